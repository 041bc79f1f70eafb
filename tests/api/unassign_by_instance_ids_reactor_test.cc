// Unit tests for FillResponse (server/api/unassign_by_instance_ids_reactor.h): how Gong's
// 200 answer becomes the UnassignByInstanceIds response. Unassigned ids are the requested
// ids Gong listed, each once, in Gong's order; still-assigned ids are the requested ids
// Gong did not list, in request order; Gong's requestId is copied. A merged request's
// answer goes to each of its callers, and each sees only its own ids.
#include "api/unassign_by_instance_ids_reactor.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gong/flows/v1/flow_service.pb.h"
#include "gtest/gtest.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::api {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

flows::v1::UnassignByInstanceIdsResponse Fill(const std::vector<std::string>& requested,
                                              std::string request_id,
                                              std::vector<std::string> unassigned) {
  upstream::UnassignByInstanceIdsResult result;
  result.request_id = std::move(request_id);
  result.unassigned_flow_instance_ids = std::move(unassigned);
  flows::v1::UnassignByInstanceIdsResponse response;
  FillResponse(requested, std::move(result), &response);
  return response;
}

TEST(FillResponseTest, EverythingRemovedLeavesNothingStillAssigned) {
  const auto response = Fill({"1", "2", "3"}, "r-1", {"1", "2", "3"});

  EXPECT_EQ(response.request_id(), "r-1");
  EXPECT_THAT(response.unassigned_flow_instance_ids(), ElementsAre("1", "2", "3"));
  EXPECT_THAT(response.still_assigned_flow_instance_ids(), IsEmpty());
}

TEST(FillResponseTest, StillAssignedAreTheUnlistedIdsInRequestOrder) {
  const auto response = Fill({"a", "b", "c", "d", "e"}, "r-2", {"d", "a"});

  EXPECT_THAT(response.unassigned_flow_instance_ids(), ElementsAre("d", "a"));
  EXPECT_THAT(response.still_assigned_flow_instance_ids(), ElementsAre("b", "c", "e"));
}

TEST(FillResponseTest, NothingRemovedLeavesEveryIdStillAssigned) {
  const auto response = Fill({"30", "10", "20"}, "r-3", {});

  EXPECT_THAT(response.unassigned_flow_instance_ids(), IsEmpty());
  EXPECT_THAT(response.still_assigned_flow_instance_ids(), ElementsAre("30", "10", "20"));
}

TEST(FillResponseTest, UnassignedIsWhatGongListedOfTheRequestedIdsEachOnce) {
  // An id Gong did not get from this call, and an id listed twice, are not
  // passed on: a caller sees each of its ids once.
  const auto response =
      Fill({"1001", "1002", "1003"}, "r-4", {"1002", "99", "1001", "1002", "1001", "99"});

  EXPECT_THAT(response.unassigned_flow_instance_ids(), ElementsAre("1002", "1001"));
  EXPECT_THAT(response.still_assigned_flow_instance_ids(), ElementsAre("1003"));
}

TEST(FillResponseTest, AnotherCallersIdsInAMergedAnswerAreNotPassedOn) {
  // One Gong request carried two callers' ids; Gong's one answer lists ids
  // of both, and each caller's response holds only the ids it asked for.
  const std::vector<std::string> merged_answer = {"20", "11", "21", "22"};

  const auto first = Fill({"10", "11", "12"}, "r-merged", merged_answer);
  const auto second = Fill({"20", "21", "22", "23"}, "r-merged", merged_answer);

  EXPECT_EQ(first.request_id(), "r-merged");
  EXPECT_THAT(first.unassigned_flow_instance_ids(), ElementsAre("11"));
  EXPECT_THAT(first.still_assigned_flow_instance_ids(), ElementsAre("10", "12"));
  EXPECT_EQ(second.request_id(), "r-merged");
  EXPECT_THAT(second.unassigned_flow_instance_ids(), ElementsAre("20", "21", "22"));
  EXPECT_THAT(second.still_assigned_flow_instance_ids(), ElementsAre("23"));
}

TEST(FillResponseTest, CopiesAnEmptyRequestId) {
  const auto response = Fill({"1"}, "", {"1"});

  EXPECT_EQ(response.request_id(), "");
  EXPECT_THAT(response.unassigned_flow_instance_ids(), ElementsAre("1"));
}

TEST(FillResponseTest, TwoHundredIdsHalfRemoved) {
  std::vector<std::string> requested;
  std::vector<std::string> removed;
  std::vector<std::string> kept;
  for (int i = 0; i < 200; ++i) {
    requested.push_back(std::to_string(1000 + i));
    (i % 2 == 0 ? removed : kept).push_back(requested.back());
  }

  const auto response = Fill(requested, "r-5", removed);

  EXPECT_THAT(response.unassigned_flow_instance_ids(), ElementsAreArray(removed));
  EXPECT_THAT(response.still_assigned_flow_instance_ids(), ElementsAreArray(kept));
}

TEST(FillResponseTest, NumericIdsFromGongMatchTheRequestedStrings) {
  // Gong may list a 64-bit id as a JSON number; it must still match.
  const auto decoded = upstream::DecodeUnassignByInstanceIdsResponse(
      R"({"requestId": "r-6", "unassignedFlowInstanceIds": [9007199254740993]})");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  flows::v1::UnassignByInstanceIdsResponse response;

  FillResponse({"9007199254740992", "9007199254740993"}, *decoded, &response);

  EXPECT_THAT(response.unassigned_flow_instance_ids(), ElementsAre("9007199254740993"));
  EXPECT_THAT(response.still_assigned_flow_instance_ids(),
              ElementsAre("9007199254740992"));
}

}  // namespace
}  // namespace gong::api
