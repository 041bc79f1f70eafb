// Idempotency keys and settled answers end to end: the facade's full stack
// in front of the sandbox Gong, whose writes can act and then lose their
// answer (sandbox::Behavior::after_acting) as Gong's do, and whose record of
// requests shows what reached "Gong" and how often each id was written.
//
// Per write method: a call with a key ends in doubt after Gong did part of
// it; the retry with the key reads Gong's state once and sends only the
// rest, so no id is written twice, and answers everything done. Then the
// key's contract: replay, reuse with another request, bad keys, two callers
// at once through two replicas sharing one Redis, Redis stopped, a restart
// with Redis keeping the keys, expiry, the memory bound; and a write in
// doubt without a key, settled by reading Gong's state.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "facade_test_env.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "metrics_scrape.h"
#include "subprocess.h"
#include "support/redis_server.h"
#include "support/wait_until.h"

namespace gong::e2e {
namespace {

namespace v1 = flows::v1;
using AfterActing = sandbox::Behavior::AfterActing;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAreArray;

constexpr char kLookupPath[] = "/v2/flows/prospects";
constexpr char kAssignPath[] = "/v2/flows/prospects/assign";
constexpr char kUnassignPath[] = "/v2/flows/prospects/unassign-flows-by-instance-id";
constexpr char kUnassignCrmPath[] = "/v2/flows/prospects/unassign-flows-by-crm-id";
// Demo company flows (sandbox_demo_company.cc): neither is exclusive.
constexpr char kWebinar[] = "7100000000000000002";
constexpr char kRenewal[] = "7100000000000000004";
// Open in both flows above: instance ...0003 in Webinar, ...0004 in Renewal.
constexpr char kTwoFlowsProspect[] = "003DEMO000000003";

// What a call got: its status and the server's metadata, initial and
// trailing together (an error may come as trailers only).
struct Answer {
  grpc::Status status;
  std::multimap<std::string, std::string> metadata;

  // Whether the server's metadata says `name: true`.
  bool Says(const std::string& name) const {
    auto [begin, end] = metadata.equal_range(name);
    for (auto it = begin; it != end; ++it) {
      if (it->second == "true") return true;
    }
    return false;
  }
};

std::ostream& operator<<(std::ostream& out, const Answer& answer) {
  out << answer.status.error_code() << " " << answer.status.error_message() << " ("
      << Reason(answer.status) << ")";
  for (const auto& [name, value] : answer.metadata) out << " " << name << "=" << value;
  return out;
}

template <typename Request, typename Response>
using Method = grpc::Status (v1::FlowService::Stub::*)(grpc::ClientContext*,
                                                       const Request&, Response*);

// One call of `method` carrying `key` in `idempotency-key` (none without
// one), with a deadline `timeout` from now.
template <typename Request, typename Response>
Answer CallWithKey(v1::FlowService::Stub* stub, Method<Request, Response> method,
                   const Request& request, Response* response,
                   const std::optional<std::string>& key,
                   absl::Duration timeout = absl::Seconds(30)) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (key.has_value()) context.AddMetadata("idempotency-key", *key);
  Answer answer;
  answer.status = (stub->*method)(&context, request, response);
  for (const auto& metadata :
       {context.GetServerInitialMetadata(), context.GetServerTrailingMetadata()}) {
    for (const auto& [name, value] : metadata) {
      answer.metadata.emplace(std::string(name.data(), name.size()),
                              std::string(value.data(), value.size()));
    }
  }
  return answer;
}

v1::AssignProspectsRequest AssignTo(const std::string& flow,
                                    const std::vector<std::string>& crm_ids) {
  v1::AssignProspectsRequest request;
  request.set_flow_id(flow);
  request.set_flow_instance_owner_email("ana@example.com");
  for (const std::string& id : crm_ids) request.add_crm_prospect_ids(id);
  return request;
}

v1::UnassignByInstanceIdsRequest UnassignIds(const std::vector<std::string>& ids) {
  v1::UnassignByInstanceIdsRequest request;
  for (const std::string& id : ids) request.add_flow_instance_ids(id);
  return request;
}

v1::UnassignByCrmIdRequest LeaveFlow(const std::string& crm_id, const std::string& flow) {
  v1::UnassignByCrmIdRequest request;
  request.set_crm_prospect_id(crm_id);
  if (flow.empty()) {
    request.set_all_flows(true);
  } else {
    request.set_flow_id(flow);
  }
  return request;
}

// `count` ids "<prefix>0", "<prefix>1", ...
std::vector<std::string> Ids(const std::string& prefix, int count, int first = 0) {
  std::vector<std::string> ids;
  for (int i = first; i < first + count; ++i) ids.push_back(absl::StrCat(prefix, i));
  return ids;
}

std::vector<std::string> AssignedProspects(const v1::AssignProspectsResponse& response) {
  std::vector<std::string> ids;
  for (const v1::FlowInstance& instance : response.assigned()) {
    ids.push_back(instance.crm_prospect_id());
  }
  return ids;
}

sandbox::Behavior LosesAnswers(AfterActing after_acting, int requests, size_t items) {
  sandbox::Behavior behavior;
  behavior.after_acting = after_acting;
  behavior.after_acting_requests = requests;
  behavior.after_acting_items = items;
  return behavior;
}

// A write whose answer was lost after it was sent, as the facade reports
// one today.
void ExpectInDoubt(const Answer& answer) {
  EXPECT_FALSE(answer.status.ok()) << answer;
  EXPECT_EQ(Metadata(answer.status, "gong_may_have_acted"), "true") << answer;
  EXPECT_FALSE(answer.Says("idempotent-settled")) << answer;
  EXPECT_FALSE(answer.Says("idempotent-replayed")) << answer;
}

// The store keys of idempotency keys in `redis`: a hex SHA-256 at the end
// of each (idempotency/idempotency_keys.h, StoreKeyOf), which no key of the
// shared quota has.
std::vector<std::string> StoredKeys(support::RedisServer& redis) {
  std::vector<std::string> keys;
  absl::StatusOr<std::string> all = redis.Run({"KEYS", "*"});
  if (!all.ok()) return keys;
  static const std::regex kStoreKey(".*[0-9a-f]{64}$");
  for (absl::string_view key : absl::StrSplit(*all, '\n', absl::SkipEmpty())) {
    if (std::regex_match(std::string(key), kStoreKey)) keys.emplace_back(key);
  }
  return keys;
}

class IdempotencyTest : public FacadeTest {
 protected:
  // The facade as a plain proxy; a write in doubt without a key is not
  // settled (so a keyed call's first attempt ends in doubt as today).
  static app::FacadeConfig Config() {
    app::FacadeConfig config = PlainProxy();
    config.settle_delay = absl::ZeroDuration();
    return config;
  }
  // As Config(), keys in `redis` (which needs a shared quota).
  static app::FacadeConfig WithRedis(const support::RedisServer& redis) {
    app::FacadeConfig config = Config();
    config.quota_redis = redis.url();
    config.quota.gong_qps = 50;
    config.quota.daily_limit = 0;
    return config;
  }

  // Stops the facade and the sandbox, for a test that starts them again.
  void Stop() {
    stub_.reset();
    channel_.reset();
    facade_.reset();
    sandbox_.reset();
  }

  // The demo company and ids 1000 to 1299 (each an open instance of its own
  // prospect), answering as `behavior` says.
  void StartDemo(app::FacadeConfig config, sandbox::Behavior behavior = {}) {
    sandbox::Options options;
    sandbox::SeedDemoCompany(&options);
    options.assigned_ids = DefaultAssigned();
    options.behavior = behavior;
    StartFacadeWithSandbox(std::move(config), std::move(options));
  }

  Answer Assign(const v1::AssignProspectsRequest& request,
                v1::AssignProspectsResponse* response,
                const std::optional<std::string>& key,
                absl::Duration timeout = absl::Seconds(30)) {
    return CallWithKey(stub_.get(), &v1::FlowService::Stub::AssignProspects, request,
                       response, key, timeout);
  }
  Answer Unassign(const v1::UnassignByInstanceIdsRequest& request,
                  v1::UnassignByInstanceIdsResponse* response,
                  const std::optional<std::string>& key,
                  absl::Duration timeout = absl::Seconds(30)) {
    return CallWithKey(stub_.get(), &v1::FlowService::Stub::UnassignByInstanceIds,
                       request, response, key, timeout);
  }
  Answer UnassignCrm(const v1::UnassignByCrmIdRequest& request,
                     v1::UnassignByCrmIdResponse* response,
                     const std::optional<std::string>& key) {
    return CallWithKey(stub_.get(), &v1::FlowService::Stub::UnassignByCrmId, request,
                       response, key);
  }

  // The paths of the requests the sandbox received from the `from`th on
  // (0: the first).
  std::vector<std::string> PathsSince(size_t from) {
    std::vector<std::string> paths;
    const std::vector<sandbox::RecordedRequest> requests = sandbox_->Requests();
    for (size_t i = from; i < requests.size(); ++i) paths.push_back(requests[i].path);
    return paths;
  }
  size_t Received() { return sandbox_->Requests().size(); }
  // The ids the `index`th request wrote.
  std::vector<std::string> WrittenBy(size_t index) {
    const std::vector<sandbox::RecordedRequest> requests = sandbox_->Requests();
    if (index >= requests.size()) return {};
    return requests[index].write_items;
  }

  // Every id asked for is in exactly one of the answer's lists.
  static void ExpectEachListedOnce(const std::vector<std::string>& ids,
                                   const v1::UnassignByInstanceIdsResponse& response) {
    std::vector<std::string> listed(response.unassigned_flow_instance_ids().begin(),
                                    response.unassigned_flow_instance_ids().end());
    listed.insert(listed.end(), response.still_assigned_flow_instance_ids().begin(),
                  response.still_assigned_flow_instance_ids().end());
    EXPECT_THAT(listed, UnorderedElementsAreArray(ids));
  }

  // Every id in `ids` was written by exactly one request, and nothing else
  // was written.
  void ExpectEachWrittenOnce(const std::vector<std::string>& ids) {
    const std::map<std::string, int> per_id = sandbox_->WriteRequestsPerId();
    EXPECT_EQ(per_id.size(), ids.size());
    for (const std::string& id : ids) {
      auto it = per_id.find(id);
      EXPECT_TRUE(it != per_id.end() && it->second == 1)
          << id << " written " << (it == per_id.end() ? 0 : it->second) << " times";
    }
  }
};

// --- A write in doubt, settled by its key: one per write method ---------

TEST_F(IdempotencyTest, AssignInDoubtIsSettledByItsKeyAndNoProspectIsAssignedTwice) {
  StartDemo(Config(), LosesAnswers(AfterActing::kDropConnection, 1, 40));
  const std::vector<std::string> prospects = Ids("003NEW", 100);
  const v1::AssignProspectsRequest request = AssignTo(kWebinar, prospects);
  v1::AssignProspectsResponse lost;
  const Answer first = Assign(request, &lost, "assign-100-prospects");
  ExpectInDoubt(first);
  const size_t before_retry = Received();

  v1::AssignProspectsResponse response;
  const Answer retry = Assign(request, &response, "assign-100-prospects");
  ASSERT_TRUE(retry.status.ok()) << retry;
  EXPECT_TRUE(retry.Says("idempotent-settled")) << retry;
  EXPECT_FALSE(retry.Says("idempotent-replayed")) << retry;
  // One lookup, then the 60 prospects Gong had not reached.
  EXPECT_THAT(PathsSince(before_retry), ElementsAre(kLookupPath, kAssignPath));
  EXPECT_EQ(WrittenBy(before_retry + 1),
            std::vector<std::string>(prospects.begin() + 40, prospects.end()));
  ExpectEachWrittenOnce(prospects);
  // The answer is everything done, before and now.
  EXPECT_THAT(AssignedProspects(response), UnorderedElementsAreArray(prospects));
  EXPECT_THAT(response.not_assigned(), IsEmpty());

  // For the log: what "Gong" saw, and what the caller got.
  std::map<int, int> prospects_by_count;
  for (const auto& [id, count] : sandbox_->WriteRequestsPerId())
    ++prospects_by_count[count];
  std::cout
      << "assign of 100 prospects, answer lost after 40 were done; retry with its key:\n"
      << "  the first call: " << first.status.error_code() << " " << Reason(first.status)
      << ", gong_may_have_acted=" << Metadata(first.status, "gong_may_have_acted")
      << "\n";
  const std::vector<sandbox::RecordedRequest> requests = sandbox_->Requests();
  for (size_t i = before_retry; i < requests.size(); ++i) {
    std::cout << "  then Gong got: " << requests[i].method << " " << requests[i].path
              << " naming " << requests[i].write_items.size() << " prospects to write\n";
  }
  for (const auto& [count, how_many] : prospects_by_count) {
    std::cout << "  assign requests per prospect: " << count << " for " << how_many
              << " prospects\n";
  }
  std::cout << "  the retry: OK, idempotent-settled="
            << (retry.Says("idempotent-settled") ? "true" : "false") << ", "
            << response.assigned_size() << " assigned, " << response.not_assigned_size()
            << " not assigned\n";
}

TEST_F(IdempotencyTest, UnassignInDoubtIsSettledByItsKeyAndNoIdIsUnassignedTwice) {
  StartDemo(Config(), LosesAnswers(AfterActing::kDropConnection, 1, 73));
  const std::vector<std::string> ids = Ids("", 200, 1000);
  v1::UnassignByInstanceIdsResponse lost;
  ExpectInDoubt(Unassign(UnassignIds(ids), &lost, "unassign-200"));
  const size_t before_retry = Received();

  v1::UnassignByInstanceIdsResponse response;
  const Answer retry = Unassign(UnassignIds(ids), &response, "unassign-200");
  ASSERT_TRUE(retry.status.ok()) << retry;
  EXPECT_TRUE(retry.Says("idempotent-settled")) << retry;
  EXPECT_THAT(PathsSince(before_retry), ElementsAre(kLookupPath, kUnassignPath));
  EXPECT_EQ(WrittenBy(before_retry + 1),
            std::vector<std::string>(ids.begin() + 73, ids.end()));
  ExpectEachWrittenOnce(ids);
  for (const std::string& id : ids) EXPECT_FALSE(sandbox_->IsAssigned(id)) << id;
  // What was sent now is reported done. The 73 the lost request removed are
  // gone from the sandbox (a lookup no longer knows them), so the settling
  // cannot confirm them and does not report them done (write_settlement.h).
  ExpectEachListedOnce(ids, response);
  const std::set<std::string> unassigned(response.unassigned_flow_instance_ids().begin(),
                                         response.unassigned_flow_instance_ids().end());
  for (auto id = ids.begin() + 73; id != ids.end(); ++id) {
    EXPECT_TRUE(unassigned.count(*id)) << *id;
  }
}

// The prospect is gone from the flow (though still in another): the retry
// looks, and sends nothing.
TEST_F(IdempotencyTest, UnassignByCrmIdInDoubtIsSettledByItsKeyWithoutSendingAgain) {
  for (const std::string& flow : {std::string(kWebinar), std::string()}) {
    SCOPED_TRACE(flow.empty() ? "all flows" : flow);
    Stop();
    StartDemo(Config(), LosesAnswers(AfterActing::kDropConnection, 1, 0));
    const v1::UnassignByCrmIdRequest request = LeaveFlow(kTwoFlowsProspect, flow);
    v1::UnassignByCrmIdResponse lost;
    ExpectInDoubt(UnassignCrm(request, &lost, "leave-" + flow));
    EXPECT_EQ(sandbox_->IsAssigned("7300000000000000004"), !flow.empty());
    const size_t before_retry = Received();

    v1::UnassignByCrmIdResponse response;
    const Answer retry = UnassignCrm(request, &response, "leave-" + flow);
    ASSERT_TRUE(retry.status.ok()) << retry;
    EXPECT_TRUE(retry.Says("idempotent-settled")) << retry;
    EXPECT_THAT(PathsSince(before_retry), ElementsAre(kLookupPath));
    ExpectEachWrittenOnce({kTwoFlowsProspect});
    EXPECT_FALSE(sandbox_->IsAssigned("7300000000000000003"));
  }
}

// Gong answered 500 after doing part of the assign (rather than dropping
// the connection): in doubt all the same, and settled the same way.
TEST_F(IdempotencyTest, AssignAnswered500AfterActingIsSettledByItsKey) {
  for (AfterActing lost_as :
       {AfterActing::kStatus500, AfterActing::kStatus502, AfterActing::kStatus504}) {
    SCOPED_TRACE(static_cast<int>(lost_as));
    Stop();
    StartDemo(Config(), LosesAnswers(lost_as, 1, 3));
    const std::vector<std::string> prospects = Ids("003FIVE", 5);
    const v1::AssignProspectsRequest request = AssignTo(kRenewal, prospects);
    v1::AssignProspectsResponse lost;
    const Answer first = Assign(request, &lost, "assign-5");
    EXPECT_FALSE(first.status.ok()) << first;
    EXPECT_FALSE(first.Says("idempotent-settled")) << first;
    const size_t before_retry = Received();

    v1::AssignProspectsResponse response;
    const Answer retry = Assign(request, &response, "assign-5");
    ASSERT_TRUE(retry.status.ok()) << retry;
    EXPECT_TRUE(retry.Says("idempotent-settled")) << retry;
    EXPECT_THAT(PathsSince(before_retry), ElementsAre(kLookupPath, kAssignPath));
    ExpectEachWrittenOnce(prospects);
    EXPECT_THAT(AssignedProspects(response), UnorderedElementsAreArray(prospects));
  }
}

// --- Replay, reuse, bad keys -------------------------------------------

TEST_F(IdempotencyTest, TheSameKeyAndRequestAfterSuccessReplaysWithoutSending) {
  StartDemo(Config());
  const v1::AssignProspectsRequest request = AssignTo(kWebinar, Ids("003REPLAY", 10));
  v1::AssignProspectsResponse first;
  const Answer answer = Assign(request, &first, "replay-me");
  ASSERT_TRUE(answer.status.ok()) << answer;
  EXPECT_FALSE(answer.Says("idempotent-replayed")) << answer;
  const int64_t sent = sandbox_->RequestCount();

  for (int retry = 0; retry < 3; ++retry) {
    v1::AssignProspectsResponse again;
    const Answer replayed = Assign(request, &again, "replay-me");
    ASSERT_TRUE(replayed.status.ok()) << replayed;
    EXPECT_TRUE(replayed.Says("idempotent-replayed")) << replayed;
    EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  }
  EXPECT_EQ(sandbox_->RequestCount(), sent);
}

// Gong's refusal of the whole request is its decision: replayed too, with
// its status and details.
TEST_F(IdempotencyTest, GongsRefusalIsReplayedWithItsDetails) {
  StartDemo(Config());
  const v1::UnassignByInstanceIdsRequest request =
      UnassignIds({"77", "78"});  // none open
  v1::UnassignByInstanceIdsResponse response;
  const Answer refused = Unassign(request, &response, "refused-once");
  ASSERT_EQ(refused.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused;
  EXPECT_EQ(Reason(refused.status), "GONG_BAD_REQUEST");
  const int64_t sent = sandbox_->RequestCount();

  const Answer replayed = Unassign(request, &response, "refused-once");
  EXPECT_TRUE(replayed.Says("idempotent-replayed")) << replayed;
  EXPECT_EQ(replayed.status.error_code(), refused.status.error_code());
  EXPECT_EQ(replayed.status.error_message(), refused.status.error_message());
  EXPECT_EQ(replayed.status.error_details(), refused.status.error_details());
  EXPECT_EQ(sandbox_->RequestCount(), sent);
}

TEST_F(IdempotencyTest, TheSameKeyWithAnotherRequestIsRefusedAndSendsNothing) {
  StartDemo(Config());
  v1::UnassignByInstanceIdsResponse response;
  ASSERT_TRUE(Unassign(UnassignIds({"1000"}), &response, "one-key").status.ok());
  const int64_t sent = sandbox_->RequestCount();

  for (const v1::UnassignByInstanceIdsRequest& other :
       {UnassignIds({"1001"}), UnassignIds({"1000", "1001"}), [] {
          v1::UnassignByInstanceIdsRequest by = UnassignIds({"1000"});
          by.set_unassigned_by_user_email("ana@example.com");
          return by;
        }()}) {
    const Answer reused = Unassign(other, &response, "one-key");
    EXPECT_EQ(reused.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << reused;
    EXPECT_EQ(Reason(reused.status), "IDEMPOTENCY_KEY_REUSED") << reused;
    EXPECT_THAT(reused.status.error_message(), Not(HasSubstr("one-key")));
  }
  EXPECT_EQ(sandbox_->RequestCount(), sent);
  EXPECT_TRUE(sandbox_->IsAssigned("1001"));
}

// A key is the method's: the same text on another write is another key.
TEST_F(IdempotencyTest, TheSameKeyOnAnotherMethodIsAnotherKey) {
  StartDemo(Config());
  v1::UnassignByInstanceIdsResponse unassigned;
  ASSERT_TRUE(Unassign(UnassignIds({"1000"}), &unassigned, "shared-text").status.ok());
  v1::AssignProspectsResponse assigned;
  const Answer assign =
      Assign(AssignTo(kWebinar, {"003OTHER"}), &assigned, "shared-text");
  ASSERT_TRUE(assign.status.ok()) << assign;
  EXPECT_FALSE(assign.Says("idempotent-replayed"));
  EXPECT_THAT(AssignedProspects(assigned), ElementsAre("003OTHER"));
}

// The 1 to 255 printable ASCII characters. (A control character
// cannot be sent at all: gRPC's clients refuse such metadata themselves,
// the C++ one by aborting, so only the layer's own tests reach that check.)
TEST_F(IdempotencyTest, BadKeysAreRefusedAndSendNothing) {
  StartDemo(Config());
  const std::string too_long = std::string(200, 'k') + "-the-secret-part-of-it-" +
                               std::string(256 - 200 - 23, 'z');
  ASSERT_EQ(too_long.size(), 256u);
  for (const std::string& key : {std::string(), too_long}) {
    SCOPED_TRACE(key.size());
    v1::UnassignByInstanceIdsResponse response;
    const Answer bad = Unassign(UnassignIds({"1000"}), &response, key);
    EXPECT_EQ(bad.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_EQ(Reason(bad.status), "INVALID_IDEMPOTENCY_KEY") << bad;
    EXPECT_THAT(bad.status.error_message(), Not(HasSubstr("secret-part")));
    EXPECT_THAT(Details(bad.status).DebugString(), Not(HasSubstr("secret-part")));
  }
  EXPECT_EQ(sandbox_->RequestCount(), 0);
  EXPECT_TRUE(sandbox_->IsAssigned("1000"));
  // The longest and the shortest valid keys, and every printable character.
  std::string printable;
  for (char c = 0x20; c < 0x7f; ++c) printable += c;
  for (const std::string& key : {std::string(255, 'k'), std::string("k"), printable}) {
    v1::AssignProspectsResponse response;
    const Answer good =
        Assign(AssignTo(kWebinar, {"003K" + std::to_string(key.size())}), &response, key);
    EXPECT_TRUE(good.status.ok()) << key.size() << ": " << good;
  }
}

// A second caller while the first still waits for Gong: it never sends,
// and once its own deadline passes it is told so.
TEST_F(IdempotencyTest, AKeyInUsePastTheCallersDeadlineSendsNothing) {
  sandbox::Behavior slow;
  slow.delay = absl::Seconds(4);
  StartDemo(Config(), slow);
  const v1::UnassignByInstanceIdsRequest request = UnassignIds({"1000"});
  auto first = std::async(std::launch::async, [&] {
    v1::UnassignByInstanceIdsResponse response;
    return Unassign(request, &response, "busy-key");
  });
  ASSERT_TRUE(AwaitGongRequests(1));
  v1::UnassignByInstanceIdsResponse response;
  const Answer second = Unassign(request, &response, "busy-key", absl::Seconds(1));
  EXPECT_EQ(second.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << second;
  const Answer done = first.get();
  EXPECT_TRUE(done.status.ok()) << done;
  EXPECT_EQ(sandbox_->RequestCount(), 1);
}

// Many callers with one key at once on one facade: one request reaches
// Gong, every caller gets its answer.
TEST_F(IdempotencyTest, ManyCallersWithOneKeyAtOnceSendOnce) {
  constexpr int kCallers = 20;
  sandbox::Behavior slow;
  slow.delay = absl::Seconds(1);
  StartDemo(Config(), slow);
  const v1::UnassignByInstanceIdsRequest request = UnassignIds(Ids("", 50, 1000));
  std::vector<v1::UnassignByInstanceIdsResponse> responses(kCallers);
  std::vector<std::future<Answer>> calls;
  for (int i = 0; i < kCallers; ++i) {
    calls.push_back(std::async(std::launch::async, [&, i] {
      return Unassign(request, &responses[i], "everyone-at-once");
    }));
  }
  int replayed = 0;
  for (int i = 0; i < kCallers; ++i) {
    const Answer answer = calls[i].get();
    ASSERT_TRUE(answer.status.ok()) << i << ": " << answer;
    replayed += answer.Says("idempotent-replayed");
    EXPECT_EQ(responses[i].SerializeAsString(), responses[0].SerializeAsString()) << i;
  }
  EXPECT_EQ(replayed, kCallers - 1);
  EXPECT_EQ(sandbox_->RequestCount(), 1);
  EXPECT_EQ(responses[0].unassigned_flow_instance_ids_size(), 50);
}

// --- Where the keys are kept -----------------------------------------

TEST_F(IdempotencyTest, RedisStoppedRefusesKeyedWritesButNotOthers) {
  absl::StatusOr<std::unique_ptr<support::RedisServer>> redis =
      support::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  StartDemo(WithRedis(**redis));
  v1::UnassignByInstanceIdsResponse response;
  const Answer kept = Unassign(UnassignIds({"1000"}), &response, "kept-in-redis");
  ASSERT_TRUE(kept.status.ok()) << kept;
  EXPECT_THAT(StoredKeys(**redis), SizeIs(1));

  (*redis)->Stop();
  const int64_t sent = sandbox_->RequestCount();
  const Answer refused = Unassign(UnassignIds({"1001"}), &response, "redis-is-down");
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAVAILABLE) << refused;
  EXPECT_EQ(Reason(refused.status), "IDEMPOTENCY_STORE_UNAVAILABLE") << refused;
  EXPECT_EQ(Metadata(refused.status, "gong_may_have_acted"), "false") << refused;
  EXPECT_EQ(sandbox_->RequestCount(), sent);
  EXPECT_TRUE(sandbox_->IsAssigned("1001"));

  const Answer without_key = Unassign(UnassignIds({"1002"}), &response, std::nullopt);
  EXPECT_TRUE(without_key.status.ok()) << without_key;
  EXPECT_FALSE(sandbox_->IsAssigned("1002"));

  // Back: keyed writes go ahead again (once the facade has reconnected).
  ASSERT_TRUE((*redis)->Restart().ok());
  int attempt = 0;
  EXPECT_TRUE(support::WaitUntil(
      [&] {
        return Unassign(UnassignIds({"1001"}), &response,
                        absl::StrCat("redis-is-back-", ++attempt))
            .status.ok();
      },
      absl::Seconds(30), absl::Milliseconds(200)));
  EXPECT_FALSE(sandbox_->IsAssigned("1001"));
}

// A record in Redis that is not one (another program's value, a tampered
// or truncated one) says nothing of what Gong did: the key's next call
// settles it by reading Gong's state, as for a doubt, and never writes
// again what Gong shows done.
TEST_F(IdempotencyTest, ATamperedRecordInRedisIsSettledNotTrusted) {
  absl::StatusOr<std::unique_ptr<support::RedisServer>> redis =
      support::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  StartDemo(WithRedis(**redis));
  const v1::AssignProspectsRequest request = AssignTo(kWebinar, {"003TAMPER"});
  v1::AssignProspectsResponse response;
  ASSERT_TRUE(Assign(request, &response, "tampered").status.ok());
  const std::vector<std::string> keys = StoredKeys(**redis);
  ASSERT_THAT(keys, SizeIs(1));
  for (const std::string& garbage :
       {std::string("not json"), std::string("{}"), std::string("{\"v\":1"),
        std::string(100000, '['), std::string("\x00\xff\xfe", 3)}) {
    SCOPED_TRACE(garbage.substr(0, 10));
    ASSERT_TRUE((*redis)->Run({"SET", keys[0], garbage}).ok());
    const size_t before = Received();
    const Answer answer = Assign(request, &response, "tampered");
    ASSERT_TRUE(answer.status.ok()) << answer;
    EXPECT_TRUE(answer.Says("idempotent-settled")) << answer;
    EXPECT_FALSE(answer.Says("idempotent-replayed")) << answer;
    EXPECT_THAT(PathsSince(before), ElementsAre(kLookupPath));
    EXPECT_THAT(AssignedProspects(response), ElementsAre("003TAMPER"));
  }
  ExpectEachWrittenOnce({"003TAMPER"});
}

TEST_F(IdempotencyTest, AKeyExpiresAfterItsTtlAndThenGoesAheadAgain) {
  absl::StatusOr<std::unique_ptr<support::RedisServer>> redis =
      support::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  app::FacadeConfig config = WithRedis(**redis);
  config.idempotency_ttl = absl::Seconds(2);
  StartDemo(config);
  const v1::AssignProspectsRequest request = AssignTo(kWebinar, {"003TTL"});
  v1::AssignProspectsResponse response;
  ASSERT_TRUE(Assign(request, &response, "short-lived").status.ok());
  ASSERT_THAT(StoredKeys(**redis), SizeIs(1));
  const Answer replayed = Assign(request, &response, "short-lived");
  EXPECT_TRUE(replayed.Says("idempotent-replayed")) << replayed;
  const int64_t sent = sandbox_->RequestCount();

  ASSERT_TRUE(support::WaitUntil([&] { return StoredKeys(**redis).empty(); },
                                 absl::Seconds(30), absl::Milliseconds(100)));
  const Answer again = Assign(request, &response, "short-lived");
  EXPECT_FALSE(again.Says("idempotent-replayed")) << again;
  EXPECT_EQ(sandbox_->RequestCount(), sent + 1);
  // Gong's own answer this time: the prospect is already in the flow.
  ASSERT_TRUE(again.status.ok()) << again;
  ASSERT_EQ(response.not_assigned_size(), 1);
  EXPECT_EQ(response.not_assigned(0).crm_prospect_id(), "003TTL");
}

TEST_F(IdempotencyTest, PastTheMemoryBoundTheOldestKeyGoesAheadAgain) {
  app::FacadeConfig config = Config();
  config.idempotency_max_keys = 2;
  StartDemo(config);
  v1::AssignProspectsResponse response;
  for (const char* key : {"k1", "k2", "k3"}) {
    ASSERT_TRUE(Assign(AssignTo(kWebinar, {absl::StrCat("003MEM-", key)}), &response, key)
                    .status.ok());
  }
  const int64_t sent = sandbox_->RequestCount();
  const Answer newest = Assign(AssignTo(kWebinar, {"003MEM-k3"}), &response, "k3");
  EXPECT_TRUE(newest.Says("idempotent-replayed")) << newest;
  EXPECT_EQ(sandbox_->RequestCount(), sent);
  const Answer oldest = Assign(AssignTo(kWebinar, {"003MEM-k1"}), &response, "k1");
  EXPECT_FALSE(oldest.Says("idempotent-replayed")) << oldest;
  EXPECT_EQ(sandbox_->RequestCount(), sent + 1);
  EXPECT_GE(Value(ScrapeMetrics(facade_->metrics_port()),
                  "gong_idempotency_keys_evicted_total"),
            2);  // k1 for k3, then k2 for k1 again
}

// --- Without a key ------------------------------------------------------

// Gong did everything and the answer was lost: the facade waits, looks,
// and answers what it confirmed.
TEST_F(IdempotencyTest, AnAssignInDoubtWithoutAKeyIsSettledByALookup) {
  app::FacadeConfig config = Config();
  config.settle_delay = absl::Milliseconds(100);
  StartDemo(config, LosesAnswers(AfterActing::kDropConnection, 1, 0));
  const std::vector<std::string> prospects = Ids("003NOKEY", 20);
  v1::AssignProspectsResponse response;
  const Answer answer = Assign(AssignTo(kWebinar, prospects), &response, std::nullopt);
  ASSERT_TRUE(answer.status.ok()) << answer;
  EXPECT_TRUE(answer.Says("idempotent-settled")) << answer;
  EXPECT_THAT(PathsSince(0), ElementsAre(kAssignPath, kLookupPath));
  EXPECT_THAT(AssignedProspects(response), UnorderedElementsAreArray(prospects));
  EXPECT_THAT(response.not_assigned(), IsEmpty());
  ExpectEachWrittenOnce(prospects);
}

TEST_F(IdempotencyTest, AnUnassignByCrmIdInDoubtWithoutAKeyIsSettledByALookup) {
  app::FacadeConfig config = Config();
  config.settle_delay = absl::Milliseconds(100);
  StartDemo(config, LosesAnswers(AfterActing::kStatus504, 1, 0));
  v1::UnassignByCrmIdResponse response;
  const Answer answer =
      UnassignCrm(LeaveFlow(kTwoFlowsProspect, kWebinar), &response, std::nullopt);
  ASSERT_TRUE(answer.status.ok()) << answer;
  EXPECT_TRUE(answer.Says("idempotent-settled")) << answer;
  EXPECT_THAT(PathsSince(0), ElementsAre(kUnassignCrmPath, kLookupPath));
  ExpectEachWrittenOnce({kTwoFlowsProspect});
}

// Only what the lookup confirmed is ever reported done: with part of the
// write still open, the caller gets the error (in doubt) as before, and
// nothing is sent again.
TEST_F(IdempotencyTest, AWriteHalfDoneWithoutAKeyStaysAnErrorAndIsNotSentAgain) {
  app::FacadeConfig config = Config();
  config.settle_delay = absl::Milliseconds(100);
  StartDemo(config, LosesAnswers(AfterActing::kDropConnection, 1, 2));
  const std::vector<std::string> ids = Ids("", 5, 1000);
  v1::UnassignByInstanceIdsResponse response;
  const Answer answer = Unassign(UnassignIds(ids), &response, std::nullopt);
  EXPECT_FALSE(answer.status.ok()) << answer;
  EXPECT_FALSE(answer.Says("idempotent-settled")) << answer;
  EXPECT_EQ(Metadata(answer.status, "gong_may_have_acted"), "true") << answer;
  EXPECT_THAT(PathsSince(0), ElementsAre(kUnassignPath, kLookupPath));
  EXPECT_TRUE(sandbox_->IsAssigned("1002"));
}

// --- The real server: two replicas, and a restart -----------------------

// One gong-flows-server process with its keys in `redis_url`.
class Replica {
 public:
  Replica(const std::string& gong_url, const std::string& redis_url) {
    process_ = std::make_unique<Subprocess>(
        std::vector<std::string>{
            GONG_FLOWS_SERVER_BIN, "--listen=127.0.0.1:0", "--metrics_listen=127.0.0.1:0",
            "--gong_base_url=" + gong_url, "--quota_redis=" + redis_url, "--gong_qps=50",
            "--gong_max_attempts=1", "--drain_delay=0s", "--shutdown_grace=1s"},
        std::map<std::string, std::string>{{"GONG_BEARER_TOKEN", "e2e-token"}});
  }

  // Waits for the start-up line; false (and a test failure) if none.
  bool Started() {
    if (!process_->WaitForOutput("listening on", absl::Seconds(30))) {
      ADD_FAILURE() << "no start-up line: " << process_->Stderr();
      return false;
    }
    std::smatch match;
    const std::string err = process_->Stderr();
    if (!std::regex_search(err, match,
                           std::regex("listening on 127\\.0\\.0\\.1:(\\d+)"))) {
      ADD_FAILURE() << "no port in: " << err;
      return false;
    }
    stub_ = v1::FlowService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + match[1].str(), grpc::InsecureChannelCredentials()));
    return true;
  }
  // SIGKILL: a replica that dies, leaving only what Redis holds.
  void Kill() {
    process_->Signal(SIGKILL);
    process_->Wait(absl::Seconds(30));
  }

  Answer Unassign(const v1::UnassignByInstanceIdsRequest& request,
                  v1::UnassignByInstanceIdsResponse* response, const std::string& key,
                  absl::Duration timeout = absl::Seconds(30)) {
    return CallWithKey(stub_.get(), &v1::FlowService::Stub::UnassignByInstanceIds,
                       request, response, std::optional<std::string>(key), timeout);
  }
  std::string Stderr() { return process_->Stderr(); }

 private:
  std::unique_ptr<Subprocess> process_;
  std::unique_ptr<v1::FlowService::Stub> stub_;
};

class IdempotencyReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<support::RedisServer>> redis =
        support::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
  }
  void StartSandbox(sandbox::Behavior behavior) {
    sandbox::Options options;
    options.assigned_ids = Ids("", 300, 1000);
    options.behavior = behavior;
    sandbox_ = std::make_unique<sandbox::SandboxGong>(options);
    ASSERT_TRUE(sandbox_->Start().ok());
  }
  std::unique_ptr<Replica> StartReplica() {
    auto replica = std::make_unique<Replica>(sandbox_->base_url(), redis_->url());
    EXPECT_TRUE(replica->Started());
    return replica;
  }
  int64_t Writes() {
    int64_t writes = 0;
    for (const sandbox::RecordedRequest& request : sandbox_->Requests()) {
      writes += request.path == kUnassignPath;
    }
    return writes;
  }

  std::unique_ptr<support::RedisServer> redis_;
  std::unique_ptr<sandbox::SandboxGong> sandbox_;
};

// Two callers with one key at once, each through its own replica: one
// request reaches Gong, and both get its answer.
TEST_F(IdempotencyReplicasTest, OneKeyThroughTwoReplicasAtOnceReachesGongOnce) {
  sandbox::Behavior slow;
  slow.delay = absl::Seconds(2);  // the second caller comes while Gong works
  StartSandbox(slow);
  std::unique_ptr<Replica> one = StartReplica();
  std::unique_ptr<Replica> two = StartReplica();
  const v1::UnassignByInstanceIdsRequest request = UnassignIds(Ids("", 10, 1000));
  v1::UnassignByInstanceIdsResponse first_response;
  v1::UnassignByInstanceIdsResponse second_response;
  auto first = std::async(std::launch::async, [&] {
    return one->Unassign(request, &first_response, "twice");
  });
  auto second = std::async(std::launch::async, [&] {
    return two->Unassign(request, &second_response, "twice");
  });
  const Answer a = first.get();
  const Answer b = second.get();
  ASSERT_TRUE(a.status.ok()) << a << one->Stderr();
  ASSERT_TRUE(b.status.ok()) << b << two->Stderr();
  EXPECT_EQ(Writes(), 1);
  EXPECT_EQ(first_response.SerializeAsString(), second_response.SerializeAsString());
  EXPECT_EQ(first_response.unassigned_flow_instance_ids_size(), 10);
  EXPECT_NE(a.Says("idempotent-replayed"), b.Says("idempotent-replayed")) << a << b;
}

// A replica killed while Gong works on its request: the caller never got
// an answer, and no process will end the claim. A retry through another
// replica waits until the claim's holder is presumed gone, then reads
// Gong's state and finds the work done: nothing is sent again.
TEST_F(IdempotencyReplicasTest, AReplicaKilledMidWriteIsSettledThroughAnother) {
  sandbox::Behavior slow;
  slow.delay = absl::Seconds(4);
  StartSandbox(slow);
  std::unique_ptr<Replica> dying = StartReplica();
  std::unique_ptr<Replica> other = StartReplica();
  const v1::UnassignByInstanceIdsRequest request = UnassignIds(Ids("", 10, 1000));
  auto orphan = std::async(std::launch::async, [&] {
    v1::UnassignByInstanceIdsResponse response;
    return dying->Unassign(request, &response, "orphaned", absl::Seconds(6));
  });
  ASSERT_TRUE(support::WaitUntil([&] { return Writes() == 1; }));
  dying->Kill();
  orphan.get();  // whatever it got: the connection was cut
  // The sandbox finishes the work all the same (nobody reads the answer).
  ASSERT_TRUE(support::WaitUntil([&] { return !sandbox_->IsAssigned("1000"); }));

  v1::UnassignByInstanceIdsResponse response;
  const Answer retry = other->Unassign(request, &response, "orphaned", absl::Seconds(60));
  ASSERT_TRUE(retry.status.ok()) << retry << other->Stderr();
  EXPECT_TRUE(retry.Says("idempotent-settled")) << retry;
  EXPECT_EQ(Writes(), 1);
  for (const auto& [id, count] : sandbox_->WriteRequestsPerId()) {
    EXPECT_EQ(count, 1) << id;
  }
}

// The keys outlive the replica: a new process replays what the old one
// answered, and settles what it left in doubt.
TEST_F(IdempotencyReplicasTest, ARestartedReplicaReplaysAndSettlesFromRedis) {
  StartSandbox(LosesAnswers(AfterActing::kDropConnection, 1, 4));
  std::unique_ptr<Replica> before = StartReplica();
  const v1::UnassignByInstanceIdsRequest in_doubt = UnassignIds(Ids("", 10, 1000));
  const v1::UnassignByInstanceIdsRequest answered = UnassignIds(Ids("", 10, 1100));
  v1::UnassignByInstanceIdsResponse lost;
  ExpectInDoubt(before->Unassign(in_doubt, &lost, "in-doubt"));
  v1::UnassignByInstanceIdsResponse first;
  ASSERT_TRUE(before->Unassign(answered, &first, "answered").status.ok());
  before->Kill();

  std::unique_ptr<Replica> after = StartReplica();
  const int64_t writes = Writes();
  v1::UnassignByInstanceIdsResponse replayed_response;
  const Answer replayed = after->Unassign(answered, &replayed_response, "answered");
  ASSERT_TRUE(replayed.status.ok()) << replayed << after->Stderr();
  EXPECT_TRUE(replayed.Says("idempotent-replayed")) << replayed;
  EXPECT_EQ(replayed_response.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(Writes(), writes);

  v1::UnassignByInstanceIdsResponse settled_response;
  const Answer settled = after->Unassign(in_doubt, &settled_response, "in-doubt");
  ASSERT_TRUE(settled.status.ok()) << settled << after->Stderr();
  EXPECT_TRUE(settled.Says("idempotent-settled")) << settled;
  // One lookup and the six ids the lost request had not reached.
  EXPECT_EQ(Writes(), writes + 1);
  const std::vector<std::string> rest = Ids("", 6, 1004);
  EXPECT_EQ(sandbox_->Requests().back().write_items, rest);
  for (const std::string& id : rest) {
    EXPECT_THAT(settled_response.unassigned_flow_instance_ids(), Contains(id));
  }
  for (const auto& [id, count] : sandbox_->WriteRequestsPerId()) {
    EXPECT_EQ(count, 1) << id;
  }
}

}  // namespace
}  // namespace gong::e2e
