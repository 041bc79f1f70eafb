#include "facade_test_env.h"

#include <curl/curl.h>

#include "absl/strings/str_cat.h"
#include "support/wait_until.h"

namespace gong::e2e {

void FacadeTest::SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }

std::vector<std::string> FacadeTest::DefaultAssigned() {
  std::vector<std::string> ids;
  for (int i = 1000; i < 1300; ++i) ids.push_back(absl::StrCat(i));
  return ids;
}

app::FacadeConfig FacadeTest::PlainProxy() {
  app::FacadeConfig config;
  config.quota.gong_qps = 0;
  config.quota.daily_limit = 0;  // a load test may send more than Gong's day
  config.quota.max_attempts = 1;
  return config;
}

void FacadeTest::StartFacade(app::FacadeConfig config,
                             std::vector<std::string> assigned) {
  sandbox::Options options;
  options.assigned_ids = std::move(assigned);
  StartFacadeWithSandbox(std::move(config), std::move(options));
}

void FacadeTest::StartFacadeWithSandbox(app::FacadeConfig config,
                                        sandbox::Options options) {
  options.threads = 400;  // a thread per open connection; tests hold hundreds
  sandbox_ = std::make_unique<sandbox::SandboxGong>(options);
  ASSERT_TRUE(sandbox_->Start().ok());
  config.listen = "127.0.0.1:0";
  if (!config.metrics_listen.empty()) config.metrics_listen = "127.0.0.1:0";
  if (config.gong_base_url == app::FacadeConfig().gong_base_url) {
    config.gong_base_url = sandbox_->base_url();
  }
  auto facade =
      app::FacadeServer::Start(config, upstream::GongCredentials::Basic("key", "secret"));
  ASSERT_TRUE(facade.ok()) << facade.status();
  facade_ = *std::move(facade);
  channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", facade_->port()),
                                 grpc::InsecureChannelCredentials());
  stub_ = flows::v1::FlowService::NewStub(channel_);
}

grpc::Status FacadeTest::Call(const flows::v1::UnassignByInstanceIdsRequest& request,
                              flows::v1::UnassignByInstanceIdsResponse* response,
                              absl::Duration timeout) {
  grpc::ClientContext context;
  if (timeout != absl::InfiniteDuration()) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  }
  return stub_->UnassignByInstanceIds(&context, request, response);
}

grpc::Status FacadeTest::Call(const std::vector<std::string>& ids,
                              flows::v1::UnassignByInstanceIdsResponse* response,
                              absl::Duration timeout) {
  flows::v1::UnassignByInstanceIdsRequest request;
  for (const std::string& id : ids) request.add_flow_instance_ids(id);
  return Call(request, response, timeout);
}

std::future<grpc::Status> FacadeTest::StartCall(
    grpc::ClientContext* context, const std::string& id,
    flows::v1::UnassignByInstanceIdsResponse* response) {
  auto request = std::make_shared<flows::v1::UnassignByInstanceIdsRequest>();
  request->add_flow_instance_ids(id);
  auto done = std::make_shared<std::promise<grpc::Status>>();
  stub_->async()->UnassignByInstanceIds(
      context, request.get(), response,
      [done, request](grpc::Status s) { done->set_value(std::move(s)); });
  return done->get_future();
}

void FacadeTest::SlowGong(absl::Duration delay) {
  sandbox::Behavior behavior;
  behavior.delay = delay;
  sandbox_->SetBehavior(behavior);
}

bool FacadeTest::AwaitGongRequests(int n) {
  return support::WaitUntil([this, n] { return sandbox_->RequestCount() >= n; });
}

grpc::Status FacadeTest::CallWhileGongRecoversFrom(
    int http_status, const std::vector<std::string>& ids,
    flows::v1::UnassignByInstanceIdsResponse* response) {
  // The sandbox fixes a request's behaviour when it arrives, so holding the
  // failure a second gives the test all that time to switch to the normal
  // behaviour before the answer, and so before any retry, goes out.
  sandbox::Behavior failing;
  failing.force_status = http_status;
  failing.delay = absl::Seconds(1);
  const int64_t before = sandbox_->RequestCount();
  sandbox_->SetBehavior(failing);
  std::future<grpc::Status> call = std::async(
      std::launch::async, [this, &ids, response] { return Call(ids, response); });
  EXPECT_TRUE(AwaitGongRequests(static_cast<int>(before) + 1));
  sandbox_->SetBehavior({});
  return call.get();
}

google::rpc::Status Details(const grpc::Status& status) {
  google::rpc::Status out;
  EXPECT_TRUE(out.ParseFromString(status.error_details()))
      << "no google.rpc.Status in the details of " << status.error_message();
  return out;
}

std::string Reason(const grpc::Status& status) {
  const auto info = Detail<google::rpc::ErrorInfo>(status);
  return info.has_value() ? info->reason() : "<no ErrorInfo>";
}

std::string Metadata(const grpc::Status& status, const std::string& key) {
  const auto info = Detail<google::rpc::ErrorInfo>(status);
  if (!info.has_value()) return "<no ErrorInfo>";
  const auto it = info->metadata().find(key);
  return it == info->metadata().end() ? "<absent>" : it->second;
}

}  // namespace gong::e2e
