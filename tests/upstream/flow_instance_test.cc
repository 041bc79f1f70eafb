// Unit tests for the shared model of Gong's flow instances
// (server/upstream/flow_instance.h): reading one from Gong's JSON (required ids
// kept digit for digit, optional fields lenient, dates as exact instants)
// and writing one back in Gong's shape.
#include "upstream/flow_instance.h"

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/json_test_util.h"

namespace gong::upstream {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Json = nlohmann::json;

// An instant given in UTC, built without the parser under test.
absl::Time Utc(int year, int month, int day, int hour, int minute, int second) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second),
                         absl::UTCTimeZone());
}

// Every field, for comparing whole instances with a readable failure.
std::string Describe(const FlowInstance& instance) {
  return absl::StrCat(
      "id=", instance.flow_instance_id, " flow=", instance.flow_id,
      " name=", instance.flow_name, " crm=", instance.crm_prospect_id,
      " email=", instance.owner_email, " owner=", instance.owner_full_name, " created=",
      instance.create_time.has_value()
          ? absl::FormatTime(*instance.create_time, absl::UTCTimeZone())
          : "unset",
      " status=", FlowInstanceStatusName(instance.status),
      " workspace=", instance.workspace_id, " exclusive=", instance.exclusive);
}

// A complete instance as Gong writes it; `overrides` replaces fields.
Json GongInstance(const Json& overrides = Json::object()) {
  Json instance = {
      {"flowId", "5001"},
      {"flowName", "Inbound follow-up"},
      {"crmProspectId", "00Q5e000001"},
      {"flowInstanceId", "9001"},
      {"flowInstanceOwnerEmail", "ann@example.com"},
      {"flowInstanceOwnerFullName", "Ann Example"},
      {"flowInstanceCreateDate", "2024-03-05T10:20:30.123-08:00"},
      {"flowInstanceStatus", "Running"},
      {"workspaceId", "77"},
      {"exclusive", true},
  };
  for (const auto& [key, value] : overrides.items()) instance[key] = value;
  return instance;
}

// --- DecodeFlowInstance -----------------------------------------------------------

TEST(DecodeFlowInstanceTest, ReadsEveryFieldOfGongsShape) {
  std::vector<std::string> warnings;
  const auto instance =
      DecodeFlowInstance(GongInstance(), "prospectsAssigned[0]", &warnings);

  ASSERT_TRUE(instance.ok()) << instance.status();
  EXPECT_EQ(instance->flow_instance_id, "9001");
  EXPECT_EQ(instance->flow_id, "5001");
  EXPECT_EQ(instance->flow_name, "Inbound follow-up");
  EXPECT_EQ(instance->crm_prospect_id, "00Q5e000001");
  EXPECT_EQ(instance->owner_email, "ann@example.com");
  EXPECT_EQ(instance->owner_full_name, "Ann Example");
  EXPECT_EQ(instance->create_time, Utc(2024, 3, 5, 18, 20, 30) + absl::Milliseconds(123));
  EXPECT_EQ(instance->status, FlowInstanceStatus::kRunning);
  EXPECT_EQ(instance->workspace_id, "77");
  EXPECT_TRUE(instance->exclusive);
  EXPECT_THAT(warnings, IsEmpty());
}

TEST(DecodeFlowInstanceTest, ReadsEachStatusAndUnknownOnesAsUnspecifiedSilently) {
  const std::vector<std::pair<std::string, FlowInstanceStatus>> table = {
      {"Pending", FlowInstanceStatus::kPending},
      {"Running", FlowInstanceStatus::kRunning},
      {"Paused", FlowInstanceStatus::kPaused},
      {"FinishedNoReply", FlowInstanceStatus::kFinishedNoReply},
      {"FinishedResponse", FlowInstanceStatus::kFinishedResponse},
      {"Finished", FlowInstanceStatus::kFinished},
      {"Archived", FlowInstanceStatus::kUnspecified},  // a status Gong may add
      {"running", FlowInstanceStatus::kUnspecified},   // Gong's enum is exact
      {"", FlowInstanceStatus::kUnspecified},
  };
  for (const auto& [text, status] : table) {
    SCOPED_TRACE(text);
    std::vector<std::string> warnings;
    const auto instance =
        DecodeFlowInstance(GongInstance({{"flowInstanceStatus", text}}), "x", &warnings);
    ASSERT_TRUE(instance.ok()) << instance.status();
    EXPECT_EQ(instance->status, status);
    EXPECT_THAT(warnings, IsEmpty());
  }
}

TEST(DecodeFlowInstanceTest, StatusNamesAreGongsSpellings) {
  for (FlowInstanceStatus status :
       {FlowInstanceStatus::kPending, FlowInstanceStatus::kRunning,
        FlowInstanceStatus::kPaused, FlowInstanceStatus::kFinishedNoReply,
        FlowInstanceStatus::kFinishedResponse, FlowInstanceStatus::kFinished}) {
    EXPECT_EQ(ParseFlowInstanceStatus(FlowInstanceStatusName(status)), status);
  }
  EXPECT_EQ(FlowInstanceStatusName(FlowInstanceStatus::kFinishedNoReply),
            "FinishedNoReply");
  EXPECT_EQ(FlowInstanceStatusName(FlowInstanceStatus::kUnspecified), "");
}

// Only the two ids are required; the rest read as empty, and only the
// missing date (a documented field) leaves a note.
TEST(DecodeFlowInstanceTest, MissingOptionalFieldsReadAsEmpty) {
  std::vector<std::string> warnings;
  const auto instance =
      DecodeFlowInstance(Json{{"flowInstanceId", "9001"}, {"flowId", "5001"}},
                         "prospectsAssigned[4]", &warnings);

  ASSERT_TRUE(instance.ok()) << instance.status();
  EXPECT_EQ(Describe(*instance),
            "id=9001 flow=5001 name= crm= email= owner= created=unset status= "
            "workspace= exclusive=0");
  EXPECT_THAT(warnings,
              ElementsAre("prospectsAssigned[4].flowInstanceCreateDate is missing; "
                          "left unset"));
}

TEST(DecodeFlowInstanceTest, NullOptionalFieldsReadAsEmpty) {
  std::vector<std::string> warnings;
  const auto instance =
      DecodeFlowInstance(GongInstance({{"flowName", nullptr},
                                       {"crmProspectId", nullptr},
                                       {"flowInstanceOwnerEmail", nullptr},
                                       {"flowInstanceOwnerFullName", nullptr},
                                       {"flowInstanceStatus", nullptr},
                                       {"workspaceId", nullptr},
                                       {"exclusive", nullptr}}),
                         "x", &warnings);

  ASSERT_TRUE(instance.ok()) << instance.status();
  EXPECT_EQ(instance->flow_name, "");
  EXPECT_EQ(instance->crm_prospect_id, "");
  EXPECT_EQ(instance->owner_email, "");
  EXPECT_EQ(instance->owner_full_name, "");
  EXPECT_EQ(instance->status, FlowInstanceStatus::kUnspecified);
  EXPECT_EQ(instance->workspace_id, "");
  EXPECT_FALSE(instance->exclusive);
  EXPECT_THAT(warnings, IsEmpty());
}

// An optional field of the wrong type costs the field, not the answer.
TEST(DecodeFlowInstanceTest, OptionalFieldsOfTheWrongTypeReadAsEmptyWithAWarning) {
  struct Row {
    std::string field;
    Json value;
    Json encoded_as;  // how the instance read writes it back; null: omitted
  };
  const std::vector<Row> table = {
      {"flowName", 12, ""},
      {"crmProspectId", 1.5, ""},
      {"flowInstanceOwnerEmail", Json::array(), ""},
      {"flowInstanceOwnerFullName", true, ""},
      {"flowInstanceStatus", 2, nullptr},  // kUnspecified
      {"workspaceId", Json::object(), ""},
      {"exclusive", "true", false},
  };
  for (const Row& row : table) {
    SCOPED_TRACE(row.field);
    std::vector<std::string> warnings;
    const auto instance = DecodeFlowInstance(GongInstance({{row.field, row.value}}),
                                             "prospectsAssigned[1]", &warnings);
    ASSERT_TRUE(instance.ok()) << instance.status();
    EXPECT_EQ(EncodeFlowInstance(*instance).value(row.field, Json()), row.encoded_as);
    ASSERT_THAT(warnings, SizeIs(1));
    EXPECT_THAT(warnings[0], HasSubstr("prospectsAssigned[1]." + row.field + " is not"));
  }
}

TEST(DecodeFlowInstanceTest, NumericIdsKeepEveryDigit) {
  std::vector<std::string> warnings;
  const auto instance = DecodeFlowInstance(
      support::ParseOrFail(
          R"({"flowInstanceId": 9007199254740993, "flowId": 18446744073709551615,
                      "crmProspectId": 9223372036854775807, "workspaceId": 9007199254740995,
                      "flowInstanceCreateDate": "2024-03-05T10:20:30Z"})"),
      "x", &warnings);

  ASSERT_TRUE(instance.ok()) << instance.status();
  EXPECT_EQ(instance->flow_instance_id, "9007199254740993");  // 2^53 + 1
  EXPECT_EQ(instance->flow_id, "18446744073709551615");       // 2^64 - 1
  EXPECT_EQ(instance->crm_prospect_id, "9223372036854775807");
  EXPECT_EQ(instance->workspace_id, "9007199254740995");
  EXPECT_THAT(warnings, IsEmpty());
}

// A number with a fraction, or beyond 64 bits, was read through a double
// and may have lost digits: such an id is refused, naming where it was.
TEST(DecodeFlowInstanceTest, RefusesRequiredIdsThatAreNotIds) {
  for (const std::string field : {"flowInstanceId", "flowId"}) {
    for (const char* value : {"1.5", "1e3", "18446744073709551616", "true", "{}", "[]"}) {
      SCOPED_TRACE(field + " = " + value);
      Json instance = GongInstance();
      instance[field] = support::ParseOrFail(value);
      std::vector<std::string> warnings;
      const auto decoded =
          DecodeFlowInstance(instance, "prospectsAssigned[2]", &warnings);
      ASSERT_FALSE(decoded.ok());
      EXPECT_EQ(decoded.status().message(),
                "prospectsAssigned[2]." + field + " is not an id");
    }
  }
}

TEST(DecodeFlowInstanceTest, RefusesMissingOrNullRequiredIds) {
  for (const std::string field : {"flowInstanceId", "flowId"}) {
    for (bool null : {false, true}) {
      SCOPED_TRACE(field);
      Json instance = GongInstance();
      if (null) {
        instance[field] = nullptr;
      } else {
        instance.erase(field);
      }
      std::vector<std::string> warnings;
      const auto decoded =
          DecodeFlowInstance(instance, "prospectsAssigned[0]", &warnings);
      ASSERT_FALSE(decoded.ok());
      EXPECT_EQ(decoded.status().message(),
                "prospectsAssigned[0]." + field + " is missing");
    }
  }
}

TEST(DecodeFlowInstanceTest, RefusesAnElementThatIsNotAnObject) {
  for (const char* value : {"\"9001\"", "9001", "[]", "null"}) {
    SCOPED_TRACE(value);
    std::vector<std::string> warnings;
    const auto decoded = DecodeFlowInstance(support::ParseOrFail(value),
                                            "prospectsAssigned[3]", &warnings);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().message(), "prospectsAssigned[3] is not an object");
  }
}

// --- dates ------------------------------------------------------------------------

// Each date names one instant: the offset is applied (not dropped) and the
// fraction kept.
TEST(DecodeFlowInstanceTest, DatesAreTheExactInstantGongMeant) {
  const std::vector<std::pair<std::string, absl::Time>> table = {
      {"2024-03-05T10:20:30.123-08:00",
       Utc(2024, 3, 5, 18, 20, 30) + absl::Milliseconds(123)},
      {"2024-03-05T10:20:30+05:30", Utc(2024, 3, 5, 4, 50, 30)},
      {"2024-03-05T00:20:30+05:30", Utc(2024, 3, 4, 18, 50, 30)},  // the day before
      {"2024-01-17T16:20:05-03:00", Utc(2024, 1, 17, 19, 20, 5)},  // Gong's example
      {"2024-03-05T10:20:30Z", Utc(2024, 3, 5, 10, 20, 30)},
      {"2024-03-05T10:20:30.5Z", Utc(2024, 3, 5, 10, 20, 30) + absl::Milliseconds(500)},
      {"2024-03-05T10:20:30.123456789Z",
       Utc(2024, 3, 5, 10, 20, 30) + absl::Nanoseconds(123456789)},
      {"2024-12-31T23:30:00.250-01:00",
       Utc(2025, 1, 1, 0, 30, 0) + absl::Milliseconds(250)},  // a year later in UTC
  };
  for (const auto& [text, instant] : table) {
    SCOPED_TRACE(text);
    std::vector<std::string> warnings;
    const auto instance = DecodeFlowInstance(
        GongInstance({{"flowInstanceCreateDate", text}}), "x", &warnings);
    ASSERT_TRUE(instance.ok()) << instance.status();
    ASSERT_TRUE(instance->create_time.has_value());
    EXPECT_EQ(*instance->create_time, instant)
        << absl::FormatTime(*instance->create_time, absl::UTCTimeZone());
    EXPECT_THAT(warnings, IsEmpty());
  }
}

// An unreadable date costs only the date: the instance still decodes, and
// the warning says where and what.
TEST(DecodeFlowInstanceTest, AnUnreadableDateIsLeftUnsetWithAWarning) {
  const std::vector<Json> values = {
      "2024-03-05T10:20:30",  // no offset: no single instant
      "2024-03-05",
      "05/03/2024 10:20",
      "2024-02-30T10:20:30Z",  // no such day
      "garbage",
      "",
      "infinite-future",  // absl's word for a time, not a date of Gong's
      1709634030,         // epoch seconds, not Gong's format
      true,
      Json::object(),
  };
  for (const Json& value : values) {
    SCOPED_TRACE(value.dump());
    std::vector<std::string> warnings;
    const auto instance =
        DecodeFlowInstance(GongInstance({{"flowInstanceCreateDate", value}}),
                           "prospectsAssigned[5]", &warnings);
    ASSERT_TRUE(instance.ok()) << instance.status();
    EXPECT_FALSE(instance->create_time.has_value());
    EXPECT_EQ(instance->flow_instance_id, "9001");
    ASSERT_THAT(warnings, SizeIs(1));
    EXPECT_EQ(warnings[0], "prospectsAssigned[5].flowInstanceCreateDate " + value.dump() +
                               " is not an RFC 3339 date with an offset; left unset");
  }
}

// Dates absl reads but a protobuf Timestamp cannot hold (years 1 to 9999
// in UTC): passed on, they made answers no JSON printer accepts.
TEST(DecodeFlowInstanceTest, ADateOutsideTimestampsRangeIsLeftUnsetWithAWarning) {
  for (const char* text : {
           "10000-01-01T00:00:00Z", "0000-06-01T00:00:00Z",
           "9999-12-31T23:59:59-08:00",       // 10000-01-01T07:59:59Z
           "0001-01-01T00:00:00+00:01",       // a minute before year 1 in UTC
           "0000-12-31T23:59:59.999999999Z",  // the last instant before year 1
       }) {
    SCOPED_TRACE(text);
    std::vector<std::string> warnings;
    const auto instance =
        DecodeFlowInstance(GongInstance({{"flowInstanceCreateDate", text}}),
                           "prospectsAssigned[1]", &warnings);
    ASSERT_TRUE(instance.ok()) << instance.status();
    EXPECT_FALSE(instance->create_time.has_value());
    ASSERT_THAT(warnings, SizeIs(1));
    EXPECT_EQ(warnings[0],
              absl::StrCat("prospectsAssigned[1].flowInstanceCreateDate \"", text,
                           "\" is outside the years 0001 to 9999 (in UTC) a "
                           "timestamp can hold; left unset"));
  }
}

TEST(DecodeFlowInstanceTest, TheFirstAndLastInstantsATimestampHoldsAreKept) {
  const std::vector<std::pair<const char*, absl::Time>> table = {
      {"0001-01-01T00:00:00Z", Utc(1, 1, 1, 0, 0, 0)},
      {"0001-01-01T08:00:00+08:00", Utc(1, 1, 1, 0, 0, 0)},
      {"9999-12-31T23:59:59.999999999Z",
       Utc(9999, 12, 31, 23, 59, 59) + absl::Nanoseconds(999999999)},
      {"9999-12-31T15:59:59-08:00", Utc(9999, 12, 31, 23, 59, 59)},
  };
  for (const auto& [text, instant] : table) {
    SCOPED_TRACE(text);
    std::vector<std::string> warnings;
    const auto instance = DecodeFlowInstance(
        GongInstance({{"flowInstanceCreateDate", text}}), "x", &warnings);
    ASSERT_TRUE(instance.ok()) << instance.status();
    EXPECT_EQ(instance->create_time, instant);
    EXPECT_THAT(warnings, IsEmpty());
  }
}

TEST(DecodeFlowInstanceTest, AWarningQuotesOnlyTheStartOfAHugeValue) {
  std::vector<std::string> warnings;
  const auto instance = DecodeFlowInstance(
      GongInstance({{"flowInstanceCreateDate", std::string(10000, 'x')}}), "x",
      &warnings);

  ASSERT_TRUE(instance.ok()) << instance.status();
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_LT(warnings[0].size(), 200u);
}

TEST(DecodeFlowInstanceListTest, ReadsTheListInOrderAndNamesTheBadElement) {
  Json body = {
      {"prospectsAssigned",
       {GongInstance({{"flowInstanceId", "1"}}),
        GongInstance({{"flowInstanceId", "2"}, {"flowInstanceCreateDate", "bad"}}),
        GongInstance({{"flowInstanceId", "3"}})}}};
  std::vector<std::string> warnings;
  auto list = DecodeFlowInstanceList(body, "prospectsAssigned", &warnings);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_THAT(*list, SizeIs(3));
  EXPECT_EQ((*list)[0].flow_instance_id, "1");
  EXPECT_EQ((*list)[1].flow_instance_id, "2");
  EXPECT_EQ((*list)[2].flow_instance_id, "3");
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr("prospectsAssigned[1].flowInstanceCreateDate"));

  body["prospectsAssigned"][2]["flowInstanceId"] = 2.5;
  list = DecodeFlowInstanceList(body, "prospectsAssigned", &warnings);
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().message(), "prospectsAssigned[2].flowInstanceId is not an id");
}

TEST(DecodeFlowInstanceListTest, RefusesAFieldThatIsNotAnArray) {
  for (const char* body :
       {R"({})", R"({"prospectsAssigned": null})", R"({"prospectsAssigned": {}})",
        R"({"prospectsAssigned": "1"})"}) {
    SCOPED_TRACE(body);
    std::vector<std::string> warnings;
    const auto list = DecodeFlowInstanceList(support::ParseOrFail(body),
                                             "prospectsAssigned", &warnings);
    ASSERT_FALSE(list.ok());
    EXPECT_EQ(list.status().message(), "prospectsAssigned is missing or not an array");
  }
}

// --- EncodeFlowInstance -----------------------------------------------------------

TEST(EncodeFlowInstanceTest, WritesGongsShape) {
  FlowInstance instance;
  instance.flow_instance_id = "9007199254740993";
  instance.flow_id = "5001";
  instance.flow_name = "Inbound";
  instance.crm_prospect_id = "00Q1";
  instance.owner_email = "ann@example.com";
  instance.owner_full_name = "Ann Example";
  instance.create_time = Utc(2024, 3, 5, 18, 20, 30) + absl::Milliseconds(123);
  instance.status = FlowInstanceStatus::kFinishedResponse;
  instance.workspace_id = "77";
  instance.exclusive = true;

  EXPECT_EQ(EncodeFlowInstance(instance), support::ParseOrFail(R"({
      "flowInstanceId": "9007199254740993", "flowId": "5001", "flowName": "Inbound",
      "crmProspectId": "00Q1", "flowInstanceOwnerEmail": "ann@example.com",
      "flowInstanceOwnerFullName": "Ann Example",
      "flowInstanceCreateDate": "2024-03-05T18:20:30.123Z",
      "flowInstanceStatus": "FinishedResponse", "workspaceId": "77", "exclusive": true})"));
}

TEST(EncodeFlowInstanceTest, OmitsAnUnsetDateAndAnUnknownStatus) {
  FlowInstance instance;
  instance.flow_instance_id = "1";
  instance.flow_id = "2";

  EXPECT_EQ(EncodeFlowInstance(instance), support::ParseOrFail(R"({
      "flowInstanceId": "1", "flowId": "2", "flowName": "", "crmProspectId": "",
      "flowInstanceOwnerEmail": "", "flowInstanceOwnerFullName": "", "workspaceId": "",
      "exclusive": false})"));
}

// What one codec writes (to share a merged answer) the next reads back as
// the same instance, the instant included though Gong's offset is not kept.
TEST(EncodeFlowInstanceTest, ReadsBackAsTheSameInstance) {
  std::vector<std::string> warnings;
  for (const char* date : {"2024-03-05T10:20:30.123456789-08:00",
                           "2024-03-05T10:20:30+05:30", "2024-03-05T10:20:30Z"}) {
    SCOPED_TRACE(date);
    const auto original =
        DecodeFlowInstance(GongInstance({{"flowInstanceCreateDate", date},
                                         {"flowInstanceId", 9007199254740993u}}),
                           "x", &warnings);
    ASSERT_TRUE(original.ok()) << original.status();
    const auto again = DecodeFlowInstance(EncodeFlowInstance(*original), "x", &warnings);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(Describe(*again), Describe(*original));
    EXPECT_EQ(again->create_time, original->create_time);
  }
  EXPECT_THAT(warnings, IsEmpty());
}

}  // namespace
}  // namespace gong::upstream
