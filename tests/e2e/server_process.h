// The gong-flows-server binary as operators run it, for end-to-end tests:
// a sandbox Gong, the server started as a child process against it with
// the environment and flags a test gives, a FlowService stub on its port,
// and its JSON log lines read back.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "metrics_scrape.h"
#include "sandbox/sandbox_gong.h"
#include "subprocess.h"

namespace gong::e2e {

// The environment of a server with no Gong credentials at all (the
// variables removed, whatever this process has).
extern const std::map<std::string, std::string> kNoCredentials;

class ServerProcess : public ::testing::Test {
 protected:
  // Starts the sandbox (ids 1001 to 1003 assigned).
  void SetUp() override;

  // Starts the server with `env` (added to this process's) and
  // `extra_flags`, against the sandbox, and waits until it listens; the
  // stub then calls it. Fails the test if it does not start.
  void StartServer(std::map<std::string, std::string> env,
                   std::vector<std::string> extra_flags = {});

  // Every stderr line parsed as JSON (a line that is not fails the test).
  std::vector<nlohmann::json> LogLines();
  // Those whose "msg" is `message`.
  std::vector<nlohmann::json> LogLines(const std::string& message);

  // The server's /metrics, from the port its start-up line names (started
  // with --metrics_listen); fails the test when no line names one.
  std::vector<Sample> Scrape();

  // UnassignByInstanceIds of `id`, with a ten-second deadline.
  grpc::Status Call(const std::string& id, const std::string& email = "",
                    flows::v1::UnassignByInstanceIdsResponse* response = nullptr);

  std::unique_ptr<sandbox::SandboxGong> sandbox_;
  std::unique_ptr<Subprocess> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<flows::v1::FlowService::Stub> stub_;
};

}  // namespace gong::e2e
