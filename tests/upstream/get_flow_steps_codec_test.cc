// Unit tests for the steps codec (server/upstream/get_flow_steps_codec.h):
// the POST it sends (a read, its flow ids), the flows and steps it reads
// (ids kept digit for digit, every action, unknown ones tolerated, odd step
// numbers read as none), malformed bodies refused by name, and the cut of
// a merged answer to one caller's flows.
#include "upstream/get_flow_steps_codec.h"

#include <nlohmann/json.hpp>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::upstream {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Json = nlohmann::json;

TEST(EncodeGetFlowStepsTest, IsAnIdempotentPostOfTheFlowIds) {
  GetFlowStepsParams query;
  query.flow_ids = {"9007199254740993", "12"};
  const absl::Time deadline = absl::FromUnixSeconds(1'700'000'000);
  const GongRequest gong = EncodeGetFlowSteps(query, deadline);
  EXPECT_EQ(gong.method, "POST");
  EXPECT_EQ(gong.path, "/v2/flows/steps");
  EXPECT_EQ(Json::parse(gong.json_body),
            Json::parse(R"({"flowIds": ["9007199254740993", "12"]})"));
  EXPECT_EQ(gong.idempotency, Idempotency::kIdempotent);
  EXPECT_EQ(gong.items, 2u);
  EXPECT_EQ(gong.deadline, deadline);
}

constexpr char kAnswer[] = R"({"requestId": "req-7", "flows": [
  {"id": 9223372036854775807, "name": "Outbound", "folderId": "71",
   "visibility": "Personal", "creationDate": "2024-03-05T10:20:30-08:00",
   "exclusive": true, "description": "Cold",
   "steps": [
     {"id": "1", "stepOrder": 1, "action": "SEND_EMAIL", "subject": "Hi",
      "body": "Hello", "isReply": false},
     {"id": 2, "stepOrder": 2, "action": "AUTO_SEND_EMAIL", "isReply": true},
     {"id": "3", "stepOrder": 3, "action": "CALL"},
     {"id": "4", "stepOrder": 4, "action": "LINKEDIN_CONNECT"},
     {"id": "5", "stepOrder": 5, "action": "LINKEDIN_MESSAGE"},
     {"id": "6", "stepOrder": 6, "action": "CUSTOM"},
     {"id": "7", "stepOrder": 7, "action": "FAX"}]},
  {"id": "12", "steps": []}]})";

TEST(DecodeGetFlowStepsTest, ReadsFlowsAndEveryKindOfStep) {
  const auto result = DecodeGetFlowStepsResponse(kAnswer);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->request_id, "req-7");
  ASSERT_THAT(result->flows, SizeIs(2));
  const FlowWithSteps& flow = result->flows[0];
  EXPECT_EQ(flow.flow_id, "9223372036854775807");
  EXPECT_EQ(flow.name, "Outbound");
  EXPECT_EQ(flow.folder_id, "71");
  EXPECT_EQ(flow.visibility, FlowVisibility::kPersonal);
  EXPECT_EQ(flow.create_time, absl::FromUnixSeconds(1709662830));
  EXPECT_TRUE(flow.exclusive);
  EXPECT_EQ(flow.description, "Cold");
  ASSERT_THAT(flow.steps, SizeIs(7));
  EXPECT_EQ(flow.steps[0].step_id, "1");
  EXPECT_EQ(flow.steps[0].number, 1);
  EXPECT_EQ(flow.steps[0].subject, "Hi");
  EXPECT_EQ(flow.steps[0].body, "Hello");
  EXPECT_FALSE(flow.steps[0].is_reply);
  EXPECT_EQ(flow.steps[1].step_id, "2");
  EXPECT_TRUE(flow.steps[1].is_reply);
  std::vector<FlowStepAction> actions;
  for (const FlowStep& step : flow.steps) actions.push_back(step.action);
  EXPECT_THAT(actions,
              ElementsAre(FlowStepAction::kSendEmail, FlowStepAction::kAutoSendEmail,
                          FlowStepAction::kCall, FlowStepAction::kLinkedInConnect,
                          FlowStepAction::kLinkedInMessage, FlowStepAction::kCustom,
                          FlowStepAction::kUnspecified));
  EXPECT_EQ(flow.steps[6].number, 7);
  EXPECT_THAT(result->flows[1].steps, IsEmpty());
}

TEST(DecodeGetFlowStepsTest, AStepNumberNoOverrideCouldNameIsNone) {
  const auto result = DecodeGetFlowStepsResponse(R"({"requestId": "r", "flows": [
      {"id": "1", "steps": [{"stepOrder": 0}, {"stepOrder": -3},
                            {"stepOrder": 4294967297}, {"stepOrder": "2"},
                            {"stepOrder": 2147483647}, {}]}]})");
  ASSERT_TRUE(result.ok()) << result.status();
  std::vector<int32_t> numbers;
  for (const FlowStep& step : result->flows[0].steps) numbers.push_back(step.number);
  EXPECT_THAT(numbers, ElementsAre(0, 0, 0, 0, 2147483647, 0));
  EXPECT_THAT(result->warnings, SizeIs(4 + 1));  // +1: the flow's missing date
}

TEST(DecodeGetFlowStepsTest, AFlowWithoutStepsHasNone) {
  const auto result =
      DecodeGetFlowStepsResponse(R"({"requestId": "r", "flows": [{"id": "1"}]})");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->flows[0].steps, IsEmpty());
}

TEST(DecodeGetFlowStepsTest, RefusesMalformedBodiesByName) {
  struct Case {
    std::string body;
    std::string names;
  };
  const Case cases[] = {
      {"{", ""},
      {"[]", "not a JSON object"},
      {R"({"requestId": "r"})", "flows"},
      {R"({"requestId": "r", "flows": {}})", "flows"},
      {R"({"requestId": "r", "flows": [7]})", "flows[0]"},
      {R"({"requestId": "r", "flows": [{"name": "x"}]})", "flows[0].id"},
      {R"({"requestId": "r", "flows": [{"id": 1.5}]})", "flows[0].id"},
      {R"({"requestId": "r", "flows": [{"id": "1", "steps": {}}]})", "flows[0].steps"},
      {R"({"requestId": "r", "flows": [{"id": "1", "steps": [1]}]})",
       "flows[0].steps[0]"},
  };
  for (const Case& c : cases) {
    const auto result = DecodeGetFlowStepsResponse(c.body);
    EXPECT_FALSE(result.ok()) << c.body;
    EXPECT_THAT(std::string(result.status().message()), HasSubstr(c.names)) << c.body;
  }
}

TEST(KeepFlowStepsTest, KeepsOnlyTheGivenFlowsAsGongWroteThem) {
  const std::string kept = KeepFlowSteps(kAnswer, {"12"});
  const Json parsed = Json::parse(kept);
  EXPECT_EQ(parsed["requestId"], "req-7");
  ASSERT_EQ(parsed["flows"].size(), 1u);
  EXPECT_EQ(parsed["flows"][0], Json::parse(R"({"id": "12", "steps": []})"));

  // An id given as a number is matched by its digits, all of them.
  const Json big = Json::parse(KeepFlowSteps(kAnswer, {"9223372036854775807"}));
  ASSERT_EQ(big["flows"].size(), 1u);
  EXPECT_EQ(big["flows"][0]["steps"].size(), 7u);
  EXPECT_EQ(big["flows"][0]["steps"][6]["action"], "FAX");  // nothing lost
}

TEST(KeepFlowStepsTest, AnUnreadableBodyIsReturnedAsItIs) {
  EXPECT_EQ(KeepFlowSteps("{oops", {"1"}), "{oops");
  EXPECT_EQ(KeepFlowSteps(R"({"flows": [{"name": "x"}]})", {"1"}),
            R"({"flows": [{"name": "x"}]})");
}

}  // namespace
}  // namespace gong::upstream
