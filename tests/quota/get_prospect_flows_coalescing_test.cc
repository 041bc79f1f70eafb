// The lookup's coalescing policy alone: which lookups merge, into what Gong
// request, and how Gong's answer is shared out so that each caller gets the
// instances of its own ids and no one else's.
#include "quota/get_prospect_flows_coalescing.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace gong::quota {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using By = upstream::GetProspectFlowsParams::By;

const absl::Time kDeadline = absl::FromUnixSeconds(1'700'000'060);

upstream::FlowInstance Instance(std::string instance_id, std::string crm_id) {
  upstream::FlowInstance instance;
  instance.flow_instance_id = std::move(instance_id);
  instance.flow_id = "flow-1";
  instance.crm_prospect_id = std::move(crm_id);
  instance.status = upstream::FlowInstanceStatus::kRunning;
  instance.create_time = absl::FromUnixMillis(1'764'000'000'250);
  return instance;
}

class GetProspectFlowsCoalescingTest : public ::testing::Test {
 protected:
  std::unique_ptr<Coalescable> Part(By by, std::vector<std::string> ids) {
    return policy_.Part(upstream::GetProspectFlowsParams{by, std::move(ids)});
  }

  // The instance ids of each share, in order.
  std::vector<std::vector<std::string>> Shares(
      const upstream::GetProspectFlowsResult& answer,
      const std::vector<const Coalescable*>& parts) {
    std::vector<std::vector<std::string>> out;
    for (const upstream::GongAnswer& share : policy_.Share(
             upstream::GongAnswer{upstream::EncodeGetProspectFlowsResponse(answer)},
             parts)) {
      absl::StatusOr<upstream::GetProspectFlowsResult> read =
          upstream::DecodeGetProspectFlowsResponse(share.body);
      EXPECT_TRUE(read.ok()) << read.status();
      EXPECT_EQ(read->request_id, answer.request_id);
      std::vector<std::string> ids;
      for (const upstream::FlowInstance& instance : read->flow_instances) {
        ids.push_back(instance.flow_instance_id);
      }
      out.push_back(ids);
    }
    return out;
  }

  GetProspectFlowsCoalescing policy_;
};

TEST_F(GetProspectFlowsCoalescingTest, LookupsByOneKindOfIdShareAKeyAndTheOtherKindNot) {
  auto crm = Part(By::kCrmProspectIds, {"a"});
  auto crm2 = Part(By::kCrmProspectIds, {"b"});
  auto instance = Part(By::kFlowInstanceIds, {"1"});
  EXPECT_EQ(crm->key(), crm2->key());
  EXPECT_NE(crm->key(), instance->key());
}

TEST_F(GetProspectFlowsCoalescingTest, MergesDistinctIdsInArrivalOrderIntoOneRead) {
  auto merged = policy_.Start();
  ASSERT_TRUE(merged->TryAdd(*Part(By::kFlowInstanceIds, {"3", "1"})));
  ASSERT_TRUE(merged->TryAdd(*Part(By::kFlowInstanceIds, {"1", "2"})));
  const upstream::GongRequest request = merged->Build(kDeadline);
  EXPECT_EQ(request.path, upstream::kGetProspectFlowsPath);
  EXPECT_EQ(request.idempotency, upstream::Idempotency::kIdempotent);
  EXPECT_EQ(request.deadline, kDeadline);
  EXPECT_EQ(request.items, 3u);
  EXPECT_EQ(nlohmann::json::parse(request.json_body),
            nlohmann::json({{"flowInstanceIds", {"3", "1", "2"}}}));
}

TEST_F(GetProspectFlowsCoalescingTest, NoMergedLookupHoldsMoreThan200DistinctIds) {
  std::vector<std::string> first, second;
  for (int i = 0; i < 150; ++i) first.push_back(absl::StrCat("crm-", i));
  for (int i = 100; i < 160; ++i) second.push_back(absl::StrCat("crm-", i));  // 10 new
  auto merged = policy_.Start();
  ASSERT_TRUE(merged->TryAdd(*Part(By::kCrmProspectIds, first)));
  ASSERT_TRUE(merged->TryAdd(*Part(By::kCrmProspectIds, second)));  // 160 distinct
  std::vector<std::string> third;
  for (int i = 500; i < 541; ++i) third.push_back(absl::StrCat("crm-", i));
  EXPECT_FALSE(merged->TryAdd(*Part(By::kCrmProspectIds, third)));  // 201
  EXPECT_EQ(merged->Build(kDeadline).items, 160u);
}

TEST_F(GetProspectFlowsCoalescingTest, ByInstanceIdsEachCallerGetsTheInstancesItNamed) {
  auto b = Part(By::kFlowInstanceIds, {"2", "3"});
  auto c = Part(By::kFlowInstanceIds, {"3", "4"});
  auto d = Part(By::kFlowInstanceIds, {"9"});
  const upstream::GetProspectFlowsResult answer{
      "req-7", {Instance("4", "p4"), Instance("3", "p3"), Instance("2", "p2")}, {}};

  EXPECT_THAT(Shares(answer, {b.get(), c.get(), d.get()}),
              ElementsAre(ElementsAre("3", "2"), ElementsAre("4", "3"), ElementsAre()));
}

TEST_F(GetProspectFlowsCoalescingTest, ByCrmIdsEachCallerGetsItsProspectsInstances) {
  auto b = Part(By::kCrmProspectIds, {"p1"});
  auto c = Part(By::kCrmProspectIds, {"p2", "p3"});
  // p1 is in two flows; p3 in none.
  const upstream::GetProspectFlowsResult answer{
      "req-8", {Instance("10", "p1"), Instance("20", "p2"), Instance("11", "p1")}, {}};

  EXPECT_THAT(Shares(answer, {b.get(), c.get()}),
              ElementsAre(ElementsAre("10", "11"), ElementsAre("20")));
}

// Nothing to cut: the part gets Gong's answer as it came, so that its codec
// still warns of the fields it cannot read (a re-encoded share would have
// dropped them silently).
TEST_F(GetProspectFlowsCoalescingTest, APartAllOfWhoseAnswerIsItsOwnGetsItAsItCame) {
  auto alone = Part(By::kCrmProspectIds, {"p1", "p2"});
  const upstream::GongAnswer answer{R"({"requestId": "req-9", "prospectsAssigned": [
      {"flowInstanceId": "10", "flowId": "22", "crmProspectId": "p1",
       "flowInstanceCreateDate": "last Tuesday", "flowInstanceStatus": "Running"}]})"};
  const std::vector<upstream::GongAnswer> shares = policy_.Share(answer, {alone.get()});
  ASSERT_EQ(shares.size(), 1u);
  EXPECT_EQ(shares[0].body, answer.body);
  absl::StatusOr<upstream::GetProspectFlowsResult> read =
      upstream::DecodeGetProspectFlowsResponse(shares[0].body);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(read->warnings, ElementsAre(HasSubstr("flowInstanceCreateDate")));
}

// Alone or not, a part gets nothing of what it did not ask for.
TEST_F(GetProspectFlowsCoalescingTest, ALonePartGetsNoInstanceOfIdsItDidNotAskFor) {
  auto alone = Part(By::kCrmProspectIds, {"p1"});
  const upstream::GetProspectFlowsResult answer{
      "req-10", {Instance("10", "p1"), Instance("20", "p2"), Instance("30", "")}, {}};
  EXPECT_THAT(Shares(answer, {alone.get()}), ElementsAre(ElementsAre("10")));
}

TEST_F(GetProspectFlowsCoalescingTest, AnAnswerThatCannotBeReadGoesToEachPartAsItIs) {
  auto b = Part(By::kFlowInstanceIds, {"1"});
  auto c = Part(By::kFlowInstanceIds, {"2"});
  const upstream::GongAnswer garbage{"<html>"};
  const std::vector<upstream::GongAnswer> shares =
      policy_.Share(garbage, {b.get(), c.get()});
  ASSERT_EQ(shares.size(), 2u);
  EXPECT_EQ(shares[0].body, "<html>");
  EXPECT_EQ(shares[1].body, "<html>");
}

TEST_F(GetProspectFlowsCoalescingTest, ARefusalOfAMergedLookupIsSplitToFindWhose) {
  upstream::GongError refusal =
      upstream::GongError::HttpStatus(400, "req-9", {"Invalid id: x"});
  EXPECT_FALSE(policy_.RefusalHoldsForEveryPart(refusal));
}

}  // namespace
}  // namespace gong::quota
