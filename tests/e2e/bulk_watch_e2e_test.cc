// WatchBulkAssignment on the gong-flows-server binary against the sandbox
// Gong, whose jobs move on one step per GET that reaches them (so the
// sandbox's count of a job's GETs is what the facade polled): watchers of
// one job share one poll, a watcher's deadline ends only its own stream, a
// job that FAILs ends its streams OK after its last state, an unknown job
// ends NOT_FOUND, and a caller without a token is refused with nothing
// polled. The job is started straight on the sandbox, as any client of
// Gong's could have: the watch follows whatever job Gong knows.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "metrics_scrape.h"
#include "sandbox/sandbox_flows.h"
#include "server_process.h"
#include "support/test_files.h"
#include "upstream/bulk_assignment_codec.h"

namespace gong::e2e {
namespace {

namespace v1 = flows::v1;

constexpr char kPollInterval[] = "--bulk_poll_interval=200ms";

// What one watcher saw: every state, and how its stream ended.
struct Watched {
  std::vector<v1::BulkAssignment> states;
  grpc::Status status;
};

class BulkWatchTest : public ServerProcess {
 protected:
  // Starts a job of `prospects` new prospects (no CRM id) on the sandbox,
  // moved on `step` prospects a GET; its id.
  std::string StartJob(int prospects, size_t step, size_t fail_after = 0) {
    sandbox::Behavior behavior;
    behavior.bulk_step = step;
    behavior.bulk_fail_after = fail_after;
    sandbox_->SetBehavior(behavior);
    nlohmann::json body = {{"flowId", sandbox::kDefaultFlowId},
                           {"flowInstanceOwnerEmail", "owner@example.com"},
                           {"prospects", nlohmann::json::array()}};
    for (int i = 0; i < prospects; ++i) {
      body["prospects"].push_back(
          {{"firstName", absl::StrCat("First", i)}, {"lastName", "Last"}});
    }
    httplib::Client gong(sandbox_->base_url());
    gong.set_bearer_token_auth("gong-token");  // as the server's credentials
    httplib::Result answer = gong.Post(std::string(upstream::kBulkAssignmentsPath),
                                       body.dump(), "application/json");
    EXPECT_TRUE(answer) << "the sandbox did not answer";
    if (!answer) return "";
    EXPECT_EQ(answer->status, 202) << answer->body;
    return nlohmann::json::parse(answer->body).value("id", "");
  }

  // Watches `id` to the end of its stream, with a deadline `timeout` away.
  Watched Watch(const std::string& id, absl::Duration timeout = absl::Seconds(60),
                const std::string& authorization = "") {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    v1::WatchBulkAssignmentRequest request;
    request.set_bulk_assignment_id(id);
    std::unique_ptr<grpc::ClientReader<v1::WatchBulkAssignmentResponse>> reader =
        stub_->WatchBulkAssignment(&context, request);
    Watched watched;
    for (v1::WatchBulkAssignmentResponse response; reader->Read(&response);) {
      watched.states.push_back(response.bulk_assignment());
    }
    watched.status = reader->Finish();
    return watched;
  }
};

TEST_F(BulkWatchTest, ThreeWatchersOfOneJobShareOnePoll) {
  StartServer({{"GONG_BEARER_TOKEN", "gong-token"}}, {kPollInterval});
  const std::string id = StartJob(30, /*step=*/5);  // six GETs to its end
  ASSERT_FALSE(id.empty());
  std::vector<Watched> watched(3);
  std::vector<std::thread> watchers;
  for (Watched& w : watched) watchers.emplace_back([&, this] { w = Watch(id); });
  for (std::thread& t : watchers) t.join();

  for (const Watched& w : watched) {
    ASSERT_TRUE(w.status.ok()) << w.status.error_message();
    ASSERT_FALSE(w.states.empty());
    EXPECT_EQ(w.states.back().state(), v1::BULK_ASSIGNMENT_STATE_COMPLETED);
    EXPECT_EQ(w.states.back().processed_count(), 30);
    EXPECT_EQ(w.states.back().succeeded_count(), 30);
    EXPECT_EQ(w.states.back().results_size(), 30);
    EXPECT_EQ(w.states.back().bulk_assignment_id(), id);
    // Each message a change: the counts only go up.
    for (size_t i = 1; i < w.states.size(); ++i) {
      EXPECT_LT(w.states[i - 1].processed_count(), w.states[i].processed_count());
    }
  }
  // One GET per state change, whatever the watchers: three watchers each
  // polling would have moved the job on three times as often and sent
  // more GETs than the job has steps.
  EXPECT_EQ(sandbox_->BulkAssignmentGets(id), 6);
  // A watcher there from the start saw every step.
  size_t longest = 0;
  for (const Watched& w : watched) longest = std::max(longest, w.states.size());
  EXPECT_EQ(longest, 6u);

  const std::vector<Sample> m = Scrape();
  EXPECT_EQ(Value(m, "gong_bulk_watchers", {}), 0);
  EXPECT_EQ(Value(m, "gong_bulk_polls_total", {{"outcome", "changed"}}), 6);
  EXPECT_EQ(Value(m, "grpc_server_handled_total",
                  {{"grpc_method", "WatchBulkAssignment"}, {"grpc_code", "OK"}}),
            3);
}

TEST_F(BulkWatchTest, AWatchersDeadlineEndsOnlyItsOwnStream) {
  StartServer({{"GONG_BEARER_TOKEN", "gong-token"}}, {kPollInterval});
  // Ten GETs, at least 200 ms apart: the job outlasts the short deadline.
  const std::string id = StartJob(30, /*step=*/3);
  ASSERT_FALSE(id.empty());
  Watched short_lived;
  Watched staying;
  std::thread stays([&, this] { staying = Watch(id); });
  short_lived = Watch(id, absl::Milliseconds(500));
  EXPECT_EQ(short_lived.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  stays.join();
  ASSERT_TRUE(staying.status.ok()) << staying.status.error_message();
  ASSERT_FALSE(staying.states.empty());
  EXPECT_EQ(staying.states.back().state(), v1::BULK_ASSIGNMENT_STATE_COMPLETED);
  EXPECT_EQ(sandbox_->BulkAssignmentGets(id), 10);
}

TEST_F(BulkWatchTest, AJobThatFailsEndsItsStreamOkAfterTheFailedState) {
  StartServer({{"GONG_BEARER_TOKEN", "gong-token"}}, {kPollInterval});
  const std::string id = StartJob(30, /*step=*/10, /*fail_after=*/20);
  ASSERT_FALSE(id.empty());
  const Watched watched = Watch(id);
  ASSERT_TRUE(watched.status.ok()) << watched.status.error_message();
  ASSERT_FALSE(watched.states.empty());
  EXPECT_EQ(watched.states.back().state(), v1::BULK_ASSIGNMENT_STATE_FAILED);
  EXPECT_LT(watched.states.back().processed_count(), 30);
  const int64_t gets = sandbox_->BulkAssignmentGets(id);
  EXPECT_EQ(gets, static_cast<int64_t>(watched.states.size()));
}

TEST_F(BulkWatchTest, AnUnknownJobEndsNotFound) {
  StartServer({{"GONG_BEARER_TOKEN", "gong-token"}}, {kPollInterval});
  const Watched watched = Watch("no-such-job");
  EXPECT_EQ(watched.status.error_code(), grpc::StatusCode::NOT_FOUND)
      << watched.status.error_message();
  EXPECT_TRUE(watched.states.empty());
}

TEST_F(BulkWatchTest, AWatcherWithoutAValidTokenIsRefusedAndNothingIsPolled) {
  const std::filesystem::path dir = support::FreshTestDir("bulk_watch_e2e");
  const std::filesystem::path tokens = dir / "tokens";
  std::ofstream(tokens) << "reporting reader rd-7f3a9c2e51b04d86\n";
  StartServer({{"GONG_BEARER_TOKEN", "gong-token"}},
              {kPollInterval, "--caller_tokens_file=" + tokens.string()});
  const std::string id = StartJob(3, /*step=*/1);
  ASSERT_FALSE(id.empty());
  for (const std::string& authorization :
       {std::string(), std::string("Bearer rd-7f3a9c2e51b04d860")}) {
    const Watched refused = Watch(id, absl::Seconds(30), authorization);
    EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_TRUE(refused.states.empty());
  }
  EXPECT_EQ(sandbox_->BulkAssignmentGets(id), 0);
  // A reader may watch: it is a read.
  const Watched read = Watch(id, absl::Seconds(60), "Bearer rd-7f3a9c2e51b04d86");
  EXPECT_TRUE(read.status.ok()) << read.status.error_message();
  EXPECT_EQ(sandbox_->BulkAssignmentGets(id), 3);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gong::e2e
