// Shared fixture for the sandbox's own tests: starts a SandboxGong on a free
// port and talks to it over a real socket with httplib's client.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_gong.h"

namespace gong::sandbox {

inline constexpr char kUnassignPath[] =
    "/v2/flows/prospects/unassign-flows-by-instance-id";
inline constexpr char kBasicAuth[] = "Basic a2V5OnNlY3JldA==";

inline Options WithAssigned(std::vector<std::string> ids) {
  Options options;
  options.assigned_ids = std::move(ids);
  return options;
}

inline std::string IdsBody(const std::vector<std::string>& ids) {
  return nlohmann::json{{"flowInstanceIds", ids}}.dump();
}

// The answer's body as JSON; null when it is not JSON.
inline nlohmann::json BodyJson(const httplib::Result& result) {
  return nlohmann::json::parse(result->body, nullptr, false);
}

class SandboxTest : public ::testing::Test {
 protected:
  void StartSandbox(Options options) {
    sandbox_ = std::make_unique<SandboxGong>(std::move(options));
    absl::Status status = sandbox_->Start();
    ASSERT_TRUE(status.ok()) << status;
  }

  std::unique_ptr<httplib::Client> NewClient() const {
    auto client = std::make_unique<httplib::Client>(sandbox_->base_url());
    client->set_read_timeout(read_timeout_seconds_, 0);
    return client;
  }

  // POSTs `body` to `path` with `authorization` (none if empty).
  httplib::Result Post(const std::string& body,
                       const std::string& authorization = kBasicAuth,
                       const std::string& path = kUnassignPath) const {
    httplib::Headers headers;
    if (!authorization.empty()) headers.emplace("Authorization", authorization);
    return NewClient()->Post(path.c_str(), headers, body, "application/json");
  }

  httplib::Result Unassign(const std::vector<std::string>& ids) const {
    return Post(IdsBody(ids));
  }

  std::unique_ptr<SandboxGong> sandbox_;
  // How long a request waits for the sandbox's answer; tests of delays
  // raise it.
  int read_timeout_seconds_ = 5;
};

}  // namespace gong::sandbox
