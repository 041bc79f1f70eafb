// Unassign's coalescing policy alone: which parts merge, into what Gong
// request, and which refusals of a merged request hold for every part.
#include "quota/unassign_by_instance_ids_coalescing.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "quota/get_prospect_flows_coalescing.h"

namespace gong::quota {
namespace {

using ::testing::ElementsAre;

const absl::Time kDeadline = absl::FromUnixSeconds(1'700'000'060);

std::vector<std::string> Ids(int first, int count) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) ids.push_back(absl::StrCat(first + i));
  return ids;
}

// The ids a built request's body carries, in order.
std::vector<std::string> BodyIds(const upstream::GongRequest& request) {
  return nlohmann::json::parse(request.json_body)
      .at("flowInstanceIds")
      .get<std::vector<std::string>>();
}

class UnassignByInstanceIdsCoalescingTest : public ::testing::Test {
 protected:
  std::unique_ptr<Coalescable> Part(std::vector<std::string> ids,
                                    std::string email = "") {
    return policy_.Part(
        upstream::UnassignByInstanceIdsParams{std::move(ids), std::move(email)});
  }

  UnassignByInstanceIdsCoalescing policy_;
};

// Gong's answer to a merged request, shared out: each part gets exactly the
// ids it asked for that Gong listed, in Gong's order, with Gong's requestId.
TEST_F(UnassignByInstanceIdsCoalescingTest, EachPartSharesOnlyItsOwnIdsOfTheAnswer) {
  auto b = Part({"2", "3"}), c = Part({"3", "4"}), d = Part({"9"});
  const upstream::GongAnswer answer{upstream::EncodeUnassignByInstanceIdsResponse(
      upstream::UnassignByInstanceIdsResult{"req-7", {"4", "3", "2", "77"}})};

  const std::vector<upstream::GongAnswer> shares =
      policy_.Share(answer, {b.get(), c.get(), d.get()});

  ASSERT_EQ(shares.size(), 3u);
  const auto ids = [](const upstream::GongAnswer& share) {
    return upstream::DecodeUnassignByInstanceIdsResponse(share.body)
        ->unassigned_flow_instance_ids;
  };
  EXPECT_THAT(ids(shares[0]), ElementsAre("3", "2"));
  EXPECT_THAT(ids(shares[1]), ElementsAre("4", "3"));
  EXPECT_THAT(ids(shares[2]), ElementsAre());
  EXPECT_EQ(upstream::DecodeUnassignByInstanceIdsResponse(shares[2].body)->request_id,
            "req-7");
}

// Alone or not, a part gets none of the ids it did not ask for; with
// nothing to cut, it gets Gong's answer as it came.
TEST_F(UnassignByInstanceIdsCoalescingTest,
       ALonePartGetsOnlyItsOwnIdsAndAsItCameIfAllAre) {
  auto alone = Part({"1", "2"});
  const upstream::GongAnswer strangers{upstream::EncodeUnassignByInstanceIdsResponse(
      upstream::UnassignByInstanceIdsResult{"req-8", {"2", "77", "1"}})};
  const std::vector<upstream::GongAnswer> cut = policy_.Share(strangers, {alone.get()});
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_THAT(upstream::DecodeUnassignByInstanceIdsResponse(cut[0].body)
                  ->unassigned_flow_instance_ids,
              ElementsAre("2", "1"));
  const upstream::GongAnswer own{
      R"({"requestId": "req-9", "unassignedFlowInstanceIds": ["2"]})"};
  const std::vector<upstream::GongAnswer> whole = policy_.Share(own, {alone.get()});
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole[0].body, own.body);
}

// An answer that cannot be read goes to every part as it came, so each
// caller's codec reports the same malformed answer.
TEST_F(UnassignByInstanceIdsCoalescingTest, AnUnreadableAnswerGoesToEveryPartAsItIs) {
  auto b = Part({"2"}), c = Part({"3"});
  const std::vector<upstream::GongAnswer> shares =
      policy_.Share(upstream::GongAnswer{"<html>"}, {b.get(), c.get()});
  ASSERT_EQ(shares.size(), 2u);
  EXPECT_EQ(shares[0].body, "<html>");
  EXPECT_EQ(shares[1].body, "<html>");
}

TEST_F(UnassignByInstanceIdsCoalescingTest, APartIsKeyedByItsEmailUnderThisPolicy) {
  auto part = Part({"1"}, "a@x.io");
  EXPECT_EQ(&part->policy(), &policy_);
  EXPECT_EQ(part->key(), "a@x.io");
  EXPECT_EQ(Part({"1"})->key(), "");
  EXPECT_NE(Part({"1"}, "b@x.io")->key(), part->key());
}

TEST_F(UnassignByInstanceIdsCoalescingTest, PartsMergeWithEachIdOnceInArrivalOrder) {
  std::unique_ptr<MergedRequest> merged = policy_.Start();
  EXPECT_TRUE(merged->TryAdd(*Part({"2", "3"}, "a@x.io")));
  EXPECT_TRUE(merged->TryAdd(*Part({"3", "1"}, "a@x.io")));  // "3" asked twice
  EXPECT_TRUE(merged->TryAdd(*Part({"5"}, "a@x.io")));
  const upstream::GongRequest built = merged->Build(kDeadline);
  EXPECT_THAT(BodyIds(built), ElementsAre("2", "3", "1", "5"));
  EXPECT_EQ(built.items, 4u);
}

// The policy is written against its own part type: a part of another
// policy (a steward's bug) stops the process rather than being misread.
TEST_F(UnassignByInstanceIdsCoalescingTest, APartOfAnotherPolicyIsNeverReadAsItsOwn) {
  const GetProspectFlowsCoalescing lookups;
  const std::unique_ptr<Coalescable> foreign =
      lookups.Part(upstream::GetProspectFlowsParams{
          upstream::GetProspectFlowsParams::By::kFlowInstanceIds, {"1"}});
  std::unique_ptr<MergedRequest> merged = policy_.Start();
  EXPECT_DEATH(merged->TryAdd(*foreign), "");
  EXPECT_DEATH(policy_.Share(upstream::GongAnswer{"{}"}, {foreign.get()}), "");
}

TEST_F(UnassignByInstanceIdsCoalescingTest,
       BuildIsTheCodecsRequestForTheMergedIdsAndDeadline) {
  std::unique_ptr<MergedRequest> merged = policy_.Start();
  ASSERT_TRUE(merged->TryAdd(*Part({"7", "8"}, "a@x.io")));
  ASSERT_TRUE(merged->TryAdd(*Part({"8", "9"}, "a@x.io")));
  const upstream::GongRequest built = merged->Build(kDeadline);
  const upstream::GongRequest expected = upstream::EncodeUnassignByInstanceIds(
      upstream::UnassignByInstanceIdsParams{{"7", "8", "9"}, "a@x.io"}, kDeadline);
  EXPECT_EQ(built.method, expected.method);
  EXPECT_EQ(built.path, expected.path);
  EXPECT_EQ(built.path, upstream::kUnassignByInstanceIdsPath);
  EXPECT_EQ(built.query, expected.query);
  EXPECT_EQ(built.json_body, expected.json_body);
  EXPECT_EQ(built.deadline, kDeadline);
  EXPECT_EQ(built.idempotency, upstream::Idempotency::kNotIdempotent);
  EXPECT_EQ(built.items, expected.items);
  // Another deadline, the same request otherwise.
  const upstream::GongRequest later = merged->Build(kDeadline + absl::Seconds(30));
  EXPECT_EQ(later.deadline, kDeadline + absl::Seconds(30));
  EXPECT_EQ(later.json_body, expected.json_body);
}

TEST_F(UnassignByInstanceIdsCoalescingTest, WithoutAnEmailTheRequestHasNone) {
  std::unique_ptr<MergedRequest> merged = policy_.Start();
  ASSERT_TRUE(merged->TryAdd(*Part({"1"})));
  ASSERT_TRUE(merged->TryAdd(*Part({"2"})));
  EXPECT_EQ(merged->Build(kDeadline).json_body,
            upstream::EncodeUnassignByInstanceIds(
                upstream::UnassignByInstanceIdsParams{{"1", "2"}, ""}, kDeadline)
                .json_body);
}

TEST_F(UnassignByInstanceIdsCoalescingTest,
       APartThatWouldPass200DistinctIdsIsRefusedAndChangesNothing) {
  std::unique_ptr<MergedRequest> merged = policy_.Start();
  ASSERT_TRUE(merged->TryAdd(*Part(Ids(1000, 150))));
  ASSERT_TRUE(merged->TryAdd(*Part(Ids(1100, 100))));  // 50 shared: 200 distinct
  const upstream::GongRequest full = merged->Build(kDeadline);
  ASSERT_EQ(BodyIds(full).size(), upstream::kMaxIdsPerUnassign);

  EXPECT_FALSE(merged->TryAdd(*Part({"2000"})));  // would make 201
  // New ids with old ones: still past 200, and none of it is taken.
  EXPECT_FALSE(merged->TryAdd(*Part({"1000", "2001"})));
  const upstream::GongRequest after = merged->Build(kDeadline);
  EXPECT_EQ(after.json_body, full.json_body);
  EXPECT_EQ(after.items, full.items);
  // Ids it holds already add nothing: that part still fits.
  EXPECT_TRUE(merged->TryAdd(*Part({"1000", "1199"})));
  EXPECT_EQ(merged->Build(kDeadline).json_body, full.json_body);
}

TEST_F(UnassignByInstanceIdsCoalescingTest, ASinglePartOf200IdsFits) {
  std::unique_ptr<MergedRequest> merged = policy_.Start();
  EXPECT_TRUE(merged->TryAdd(*Part(Ids(1, 200))));
  EXPECT_FALSE(merged->TryAdd(*Part(Ids(201, 1))));
  EXPECT_EQ(BodyIds(merged->Build(kDeadline)), Ids(1, 200));
}

struct RefusalCase {
  const char* name;
  upstream::GongError refusal;
  bool holds_for_every_part;
};

void PrintTo(const RefusalCase& c, std::ostream* os) { *os << c.name; }

class UnassignRefusalTest : public ::testing::TestWithParam<RefusalCase> {};

TEST_P(UnassignRefusalTest, OnlyDoesNotExistHoldsForEveryPart) {
  UnassignByInstanceIdsCoalescing policy;
  EXPECT_EQ(policy.RefusalHoldsForEveryPart(GetParam().refusal),
            GetParam().holds_for_every_part);
}

upstream::GongError Http(int status, std::vector<std::string> errors) {
  return upstream::GongError::HttpStatus(status, "req-1", std::move(errors));
}

INSTANTIATE_TEST_SUITE_P(
    Table, UnassignRefusalTest,
    ::testing::Values(
        RefusalCase{"DoesNotExist400", Http(400, {"Flow instance does not exist: 1, 2"}),
                    true},
        RefusalCase{"DoesNotExistUpperCase400",
                    Http(400, {"FLOW INSTANCE DOES NOT EXIST"}), true},
        RefusalCase{"DoesNotExistMixedCase400", Http(400, {"Id 7 Does Not Exist"}), true},
        RefusalCase{"DoesNotExistAmongOtherErrors400",
                    Http(400, {"Something else", "flow instance 3 does not exist"}),
                    true},
        RefusalCase{"Other400", Http(400, {"Invalid flow instance id: x"}), false},
        RefusalCase{"Bare400", Http(400, {}), false},
        RefusalCase{"DoesNotExist404", Http(404, {"Flow instance does not exist"}),
                    false},
        RefusalCase{"DoesNotExist409", Http(409, {"Flow instance does not exist"}),
                    false},
        RefusalCase{"DoesNotExist422", Http(422, {"Flow instance does not exist"}),
                    false},
        RefusalCase{"DoesNotExist500", Http(500, {"Flow instance does not exist"}),
                    false},
        RefusalCase{"DoesNotExist503", Http(503, {"Flow instance does not exist"}),
                    false},
        RefusalCase{
            "MalformedDoesNotExist400",
            upstream::GongError::MalformedAnswer(400, "flow instance does not exist"),
            false},
        RefusalCase{
            "ConnectionDropped",
            upstream::GongError::NoAnswer(upstream::GongError::Kind::kConnectionDropped,
                                          "does not exist", true),
            false}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace gong::quota
