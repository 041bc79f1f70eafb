#include "server_process.h"

#include <regex>
#include <sstream>
#include <utility>

#include "absl/time/clock.h"

namespace gong::e2e {

const std::map<std::string, std::string> kNoCredentials = {
    {"GONG_ACCESS_KEY", ""}, {"GONG_ACCESS_KEY_SECRET", ""}, {"GONG_BEARER_TOKEN", ""}};

void ServerProcess::SetUp() {
  sandbox::Options options;
  options.assigned_ids = {"1001", "1002", "1003"};
  sandbox_ = std::make_unique<sandbox::SandboxGong>(options);
  ASSERT_TRUE(sandbox_->Start().ok());
}

void ServerProcess::StartServer(std::map<std::string, std::string> env,
                                std::vector<std::string> extra_flags) {
  std::vector<std::string> argv = {GONG_FLOWS_SERVER_BIN,
                                   "--listen=127.0.0.1:0",
                                   "--gong_base_url=" + sandbox_->base_url(),
                                   "--shutdown_grace=10s",
                                   "--drain_delay=0s",
                                   "--metrics_listen=127.0.0.1:0"};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  server_ = std::make_unique<Subprocess>(argv, std::move(env));
  ASSERT_TRUE(server_->WaitForOutput("listening on", absl::Seconds(20)))
      << server_->Stderr();
  std::smatch match;
  const std::string err = server_->Stderr();
  ASSERT_TRUE(
      std::regex_search(err, match, std::regex("listening on 127\\.0\\.0\\.1:(\\d+)")));
  channel_ = grpc::CreateChannel("127.0.0.1:" + match[1].str(),
                                 grpc::InsecureChannelCredentials());
  stub_ = flows::v1::FlowService::NewStub(channel_);
}

std::vector<nlohmann::json> ServerProcess::LogLines() {
  std::vector<nlohmann::json> lines;
  std::istringstream err(server_->Stderr());
  for (std::string line; std::getline(err, line);) {
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    EXPECT_TRUE(parsed.is_object()) << "not a JSON object: " << line;
    if (parsed.is_object()) lines.push_back(std::move(parsed));
  }
  return lines;
}

std::vector<nlohmann::json> ServerProcess::LogLines(const std::string& message) {
  std::vector<nlohmann::json> matching;
  for (nlohmann::json& line : LogLines()) {
    if (line.value("msg", "") == message) matching.push_back(std::move(line));
  }
  return matching;
}

grpc::Status ServerProcess::Call(const std::string& id, const std::string& email,
                                 flows::v1::UnassignByInstanceIdsResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  flows::v1::UnassignByInstanceIdsRequest request;
  request.add_flow_instance_ids(id);
  request.set_unassigned_by_user_email(email);
  flows::v1::UnassignByInstanceIdsResponse ignored;
  return stub_->UnassignByInstanceIds(&context, request,
                                      response != nullptr ? response : &ignored);
}

std::vector<Sample> ServerProcess::Scrape() {
  for (const nlohmann::json& line : LogLines()) {
    if (line.contains("metrics_port")) {
      return ScrapeMetrics(line["metrics_port"].get<int>());
    }
  }
  ADD_FAILURE() << "no metrics_port in the log";
  return {};
}

}  // namespace gong::e2e
