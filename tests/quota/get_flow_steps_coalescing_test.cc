// The steps lookup's coalescing policy alone: every lookup merges with any
// other up to Gong's 20 flows, Gong's answer is shared out so that each
// caller gets its own flows (as Gong wrote them) and no one else's, and a
// refusal of a merged lookup (Gong's 404 for one unknown flow) is split.
#include "quota/get_flow_steps_coalescing.h"

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

const absl::Time kDeadline = absl::FromUnixSeconds(1'700'000'060);

class GetFlowStepsCoalescingTest : public ::testing::Test {
 protected:
  std::unique_ptr<Coalescable> Part(std::vector<std::string> ids) {
    return policy_.Part(upstream::GetFlowStepsParams{std::move(ids)});
  }

  // The flow ids of each share, in order.
  std::vector<std::vector<std::string>> Shares(
      const std::string& body, const std::vector<const Coalescable*>& parts) {
    std::vector<std::vector<std::string>> out;
    for (const upstream::GongAnswer& share :
         policy_.Share(upstream::GongAnswer{body}, parts)) {
      absl::StatusOr<upstream::GetFlowStepsResult> read =
          upstream::DecodeGetFlowStepsResponse(share.body);
      EXPECT_TRUE(read.ok()) << read.status();
      EXPECT_EQ(read->request_id, "req-1");
      std::vector<std::string> ids;
      for (const upstream::FlowWithSteps& flow : read->flows) ids.push_back(flow.flow_id);
      out.push_back(ids);
    }
    return out;
  }

  GetFlowStepsCoalescing policy_;
};

std::string Answer(const std::vector<std::string>& ids) {
  nlohmann::json flows = nlohmann::json::array();
  for (const std::string& id : ids) {
    flows.push_back(
        {{"id", id},
         {"creationDate", "2026-01-05T09:00:00-08:00"},
         {"steps", {{{"id", id + "0"}, {"stepOrder", 1}, {"action", "CALL"}}}}});
  }
  return nlohmann::json({{"requestId", "req-1"}, {"flows", flows}}).dump();
}

TEST_F(GetFlowStepsCoalescingTest, EveryLookupSharesOneKey) {
  EXPECT_EQ(Part({"1"})->key(), Part({"2", "3"})->key());
}

TEST_F(GetFlowStepsCoalescingTest, MergesDistinctIdsInArrivalOrderIntoOneRead) {
  auto merged = policy_.Start();
  ASSERT_TRUE(merged->TryAdd(*Part({"3", "1"})));
  ASSERT_TRUE(merged->TryAdd(*Part({"1", "2"})));
  const upstream::GongRequest request = merged->Build(kDeadline);
  EXPECT_EQ(request.path, upstream::kGetFlowStepsPath);
  EXPECT_EQ(request.idempotency, upstream::Idempotency::kIdempotent);
  EXPECT_EQ(request.deadline, kDeadline);
  EXPECT_EQ(request.items, 3u);
  EXPECT_EQ(nlohmann::json::parse(request.json_body),
            nlohmann::json({{"flowIds", {"3", "1", "2"}}}));
  EXPECT_THAT(merged->ids(), ElementsAre("3", "1", "2"));
}

TEST_F(GetFlowStepsCoalescingTest, NoMergedLookupHoldsMoreThan20DistinctIds) {
  std::vector<std::string> first, second, third;
  for (int i = 0; i < 15; ++i) first.push_back(absl::StrCat(100 + i));
  for (int i = 10; i < 20; ++i) second.push_back(absl::StrCat(100 + i));  // 5 new
  third.push_back("999");
  auto merged = policy_.Start();
  ASSERT_TRUE(merged->TryAdd(*Part(first)));
  ASSERT_TRUE(merged->TryAdd(*Part(second)));   // 20 distinct
  EXPECT_FALSE(merged->TryAdd(*Part(third)));   // 21
  EXPECT_TRUE(merged->TryAdd(*Part({"105"})));  // nothing new: still 20
  EXPECT_EQ(merged->Build(kDeadline).items, 20u);
}

TEST_F(GetFlowStepsCoalescingTest, EachCallerGetsItsOwnFlowsInGongsOrder) {
  auto b = Part({"2", "3"});
  auto c = Part({"3", "4"});
  auto d = Part({"9"});  // asked for, yet Gong sent it nothing: gets nothing
  EXPECT_THAT(Shares(Answer({"4", "3", "2"}), {b.get(), c.get(), d.get()}),
              ElementsAre(ElementsAre("3", "2"), ElementsAre("4", "3"), ElementsAre()));
}

TEST_F(GetFlowStepsCoalescingTest, AlonePartGetsNothingItDidNotAskFor) {
  auto alone = Part({"1"});
  EXPECT_THAT(Shares(Answer({"1", "7"}), {alone.get()}), ElementsAre(ElementsAre("1")));
}

// Nothing to cut: the part gets Gong's answer as it came; and a cut share
// keeps every field Gong wrote of the caller's flows, so its codec still
// warns of what it cannot read.
TEST_F(GetFlowStepsCoalescingTest, SharesLoseNothingGongWroteOfTheirFlows) {
  const std::string body = R"({"requestId": "req-1", "flows": [
      {"id": "1", "creationDate": "last Tuesday", "steps": []},
      {"id": "2", "creationDate": "yesterday", "steps": []}]})";
  auto both = Part({"1", "2"});
  auto one = Part({"2"});
  const std::vector<upstream::GongAnswer> shares =
      policy_.Share(upstream::GongAnswer{body}, {both.get(), one.get()});
  ASSERT_EQ(shares.size(), 2u);
  EXPECT_EQ(shares[0].body, body);
  absl::StatusOr<upstream::GetFlowStepsResult> read =
      upstream::DecodeGetFlowStepsResponse(shares[1].body);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(read->warnings, ElementsAre(HasSubstr("flows[0].creationDate")));
}

TEST_F(GetFlowStepsCoalescingTest, AnAnswerThatCannotBeReadGoesToEachPartAsItIs) {
  auto b = Part({"1"});
  auto c = Part({"2"});
  const std::vector<upstream::GongAnswer> shares =
      policy_.Share(upstream::GongAnswer{"<html>"}, {b.get(), c.get()});
  ASSERT_EQ(shares.size(), 2u);
  EXPECT_EQ(shares[0].body, "<html>");
  EXPECT_EQ(shares[1].body, "<html>");
}

// Gong's 404 says one of the flows is unknown, not which caller's.
TEST_F(GetFlowStepsCoalescingTest, ARefusalOfAMergedLookupIsSplitToFindWhose) {
  EXPECT_FALSE(policy_.RefusalHoldsForEveryPart(
      upstream::GongError::HttpStatus(404, "req-9", {"one or more flows not found"})));
  EXPECT_FALSE(policy_.RefusalHoldsForEveryPart(
      upstream::GongError::HttpStatus(400, "req-9", {"bad"})));
}

}  // namespace
}  // namespace gong::quota
