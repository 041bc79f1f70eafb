// Unit tests for the flow listing's codec (server/upstream/list_flows_codec.h):
// the GET the facade sends (only the parameters that are set, values left
// for the client to encode, no body) and the pages it reads (the cursor to
// the next page, ids kept digit for digit, dates as exact instants, unknown
// visibilities tolerated, malformed bodies refused by name).
#include "upstream/list_flows_codec.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upstream/gong_client.h"

namespace gong::upstream {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::SizeIs;

// 2024-03-05T18:20:30Z.
const absl::Time kInstant = absl::FromUnixSeconds(1709662830);

// A page with one flow of every field, for tests to vary.
std::string Page(const std::string& records, const std::string& flows) {
  return R"({"requestId": "req-1", "records": )" + records + R"(, "flows": )" + flows +
         "}";
}
constexpr char kLastPageRecords[] =
    R"({"totalRecords": 1, "currentPageSize": 1, "currentPageNumber": 0})";

std::string OneFlow(const std::string& fields) {
  return Page(kLastPageRecords, "[{" + fields + "}]");
}

// --- EncodeListFlows ---------------------------------------------------------

TEST(EncodeListFlowsTest, IsAnIdempotentGetWithoutBody) {
  ListFlowsParams query;
  query.flow_owner_email = "ann@example.com";
  const absl::Time deadline = absl::FromUnixSeconds(1'700'000'000);

  const GongRequest gong = EncodeListFlows(query, deadline);

  EXPECT_EQ(gong.method, "GET");
  EXPECT_EQ(gong.path, "/v2/flows");
  EXPECT_EQ(gong.json_body, "");
  EXPECT_EQ(gong.deadline, deadline);
  // A read: retried freely after an answer that never came.
  EXPECT_EQ(gong.idempotency, Idempotency::kIdempotent);
  EXPECT_EQ(gong.items, 0u);
}

TEST(EncodeListFlowsTest, SendsOnlyTheOwnerWhenNothingElseIsSet) {
  ListFlowsParams query;
  query.flow_owner_email = "ann@example.com";

  EXPECT_THAT(EncodeListFlows(query, absl::InfiniteFuture()).query,
              ElementsAre(Pair("flowOwnerEmail", "ann@example.com")));
}

TEST(EncodeListFlowsTest, SendsEveryParameterThatIsSet) {
  ListFlowsParams query;
  query.flow_owner_email = "ann@example.com";
  query.workspace_id = "5551234";
  query.folder_id = "9007199254740993";
  query.most_recently_assigned = true;
  query.cursor = "eyJwYWdlIjoyfQ==";

  EXPECT_THAT(
      EncodeListFlows(query, absl::InfiniteFuture()).query,
      ElementsAre(Pair("flowOwnerEmail", "ann@example.com"),
                  Pair("workspaceId", "5551234"), Pair("folderId", "9007199254740993"),
                  Pair("mostRecentlyAssigned", "true"),
                  Pair("cursor", "eyJwYWdlIjoyfQ==")));
}

TEST(EncodeListFlowsTest, EachOptionalParameterAlone) {
  struct Case {
    const char* name;
    void (*set)(ListFlowsParams*);
    std::pair<std::string, std::string> want;
  };
  const Case cases[] = {
      {"workspace",
       [](ListFlowsParams* q) { q->workspace_id = "7"; },
       {"workspaceId", "7"}},
      {"folder", [](ListFlowsParams* q) { q->folder_id = "8"; }, {"folderId", "8"}},
      {"recent",
       [](ListFlowsParams* q) { q->most_recently_assigned = true; },
       {"mostRecentlyAssigned", "true"}},
      {"cursor", [](ListFlowsParams* q) { q->cursor = "c-2"; }, {"cursor", "c-2"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ListFlowsParams query;
    query.flow_owner_email = "a@b.c";
    c.set(&query);
    EXPECT_THAT(EncodeListFlows(query, absl::InfiniteFuture()).query,
                ElementsAre(Pair("flowOwnerEmail", "a@b.c"), c.want));
  }
}

// The codec hands values over as they are and the client percent-encodes
// them once: encoding here too would send "%252B" for a "+".
TEST(EncodeListFlowsTest, LeavesEncodingToTheClient) {
  ListFlowsParams query;
  query.flow_owner_email = "ann+flows@example.com";
  query.folder_id = "a b&c=d";
  query.cursor = "x/y+z=";

  const GongRequest gong = EncodeListFlows(query, absl::InfiniteFuture());
  EXPECT_THAT(gong.query,
              ElementsAre(Pair("flowOwnerEmail", "ann+flows@example.com"),
                          Pair("folderId", "a b&c=d"), Pair("cursor", "x/y+z=")));

  // And the client encodes each exactly once, with no body on the GET.
  const http::HttpRequest http =
      ToHttpRequest("https://api.gong.io/", GongCredentials::Bearer("t"), gong);
  EXPECT_EQ(http.method, "GET");
  EXPECT_EQ(http.url,
            "https://api.gong.io/v2/flows?flowOwnerEmail=ann%2Bflows%40example.com"
            "&folderId=a%20b%26c%3Dd&cursor=x%2Fy%2Bz%3D");
  EXPECT_EQ(http.body, "");
  EXPECT_THAT(http.headers, Not(Contains("Content-Type: application/json")));
}

// --- DecodeListFlowsResponse: pages --------------------------------------------

TEST(DecodeListFlowsResponseTest, ReadsEveryFieldOfAFlowAndThePage) {
  const auto result = DecodeListFlowsResponse(Page(
      R"({"totalRecords": 57, "currentPageSize": 2, "currentPageNumber": 3,
          "cursor": "next-page-token"})",
      R"([{"id": "101", "name": "Welcome", "folderId": "201", "folderName": "Sales",
           "visibility": "Company", "creationDate": "2024-03-05T10:20:30.123-08:00",
           "exclusive": true},
          {"id": "102", "name": "Follow up", "folderId": "202", "folderName": "Mine",
           "visibility": "Personal", "creationDate": "2024-03-05T18:20:30Z",
           "exclusive": false}])"));

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->request_id, "req-1");
  EXPECT_EQ(result->next_cursor, "next-page-token");
  EXPECT_EQ(result->total_records, 57);
  EXPECT_EQ(result->page_size, 2);
  EXPECT_EQ(result->page_number, 3);
  EXPECT_THAT(result->warnings, IsEmpty());
  ASSERT_THAT(result->flows, SizeIs(2));

  const Flow& first = result->flows[0];
  EXPECT_EQ(first.flow_id, "101");
  EXPECT_EQ(first.name, "Welcome");
  EXPECT_EQ(first.folder_id, "201");
  EXPECT_EQ(first.folder_name, "Sales");
  EXPECT_EQ(first.visibility, FlowVisibility::kCompany);
  EXPECT_EQ(first.create_time, kInstant + absl::Milliseconds(123));
  EXPECT_TRUE(first.exclusive);

  const Flow& second = result->flows[1];
  EXPECT_EQ(second.flow_id, "102");
  EXPECT_EQ(second.name, "Follow up");
  EXPECT_EQ(second.folder_id, "202");
  EXPECT_EQ(second.folder_name, "Mine");
  EXPECT_EQ(second.visibility, FlowVisibility::kPersonal);
  EXPECT_EQ(second.create_time, kInstant);
  EXPECT_FALSE(second.exclusive);
}

TEST(DecodeListFlowsResponseTest, WithoutACursorItIsTheLastPage) {
  for (const char* records :
       {R"({"totalRecords": 1, "currentPageSize": 1, "currentPageNumber": 0})",
        R"({"totalRecords": 1, "currentPageSize": 1, "currentPageNumber": 0,
            "cursor": null})",
        R"({"totalRecords": 1, "currentPageSize": 1, "currentPageNumber": 0,
            "cursor": ""})"}) {
    SCOPED_TRACE(records);
    const auto result = DecodeListFlowsResponse(Page(records, R"([{"id": "1"}])"));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->next_cursor, "");
    EXPECT_THAT(result->flows, SizeIs(1));
  }
}

TEST(DecodeListFlowsResponseTest, AnEmptyPageIsFine) {
  const auto result = DecodeListFlowsResponse(
      Page(R"({"totalRecords": 0, "currentPageSize": 0, "currentPageNumber": 0})", "[]"));

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->flows, IsEmpty());
  EXPECT_EQ(result->total_records, 0);
}

TEST(DecodeListFlowsResponseTest, MissingCountsReadAsZero) {
  const auto result =
      DecodeListFlowsResponse(R"({"requestId": "r", "records": {}, "flows": []})");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->request_id, "r");
  EXPECT_THAT(result->warnings, IsEmpty());
  EXPECT_EQ(result->total_records, 0);
  EXPECT_EQ(result->page_size, 0);
  EXPECT_EQ(result->page_number, 0);
  EXPECT_EQ(result->next_cursor, "");
}

TEST(DecodeListFlowsResponseTest, IgnoresUnknownFields) {
  const auto result = DecodeListFlowsResponse(
      R"({"requestId": "r", "newTopLevel": [1, 2],
          "records": {"totalRecords": 1, "somethingNew": {"a": 1}},
          "flows": [{"id": "1", "colour": "blue", "steps": [{"n": 1}]}]})");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->total_records, 1);
  ASSERT_THAT(result->flows, SizeIs(1));
  EXPECT_EQ(result->flows[0].flow_id, "1");
}

// --- DecodeListFlowsResponse: a flow's fields ------------------------------------

TEST(DecodeListFlowsResponseTest, ReadsEachVisibilityAndToleratesUnknownOnes) {
  const std::pair<const char*, FlowVisibility> cases[] = {
      {R"("Company")", FlowVisibility::kCompany},
      {R"("Personal")", FlowVisibility::kPersonal},
      {R"("Shared")", FlowVisibility::kShared},
      // Kinds Gong may add, or spell otherwise: not an error.
      {R"("Team")", FlowVisibility::kUnspecified},
      {R"("company")", FlowVisibility::kUnspecified},
      {R"("")", FlowVisibility::kUnspecified},
      {"null", FlowVisibility::kUnspecified},
  };
  for (const auto& [json, want] : cases) {
    SCOPED_TRACE(json);
    const auto result = DecodeListFlowsResponse(
        OneFlow(std::string(R"("id": "1", "creationDate": "2024-03-05T18:20:30Z",
                                "visibility": )") +
                json));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->flows[0].visibility, want);
    EXPECT_THAT(result->warnings, IsEmpty());
  }
}

TEST(DecodeListFlowsResponseTest, AFlowWithOnlyItsIdHasDefaults) {
  const auto result = DecodeListFlowsResponse(OneFlow(R"("id": "1")"));

  ASSERT_TRUE(result.ok()) << result.status();
  const Flow& flow = result->flows[0];
  EXPECT_EQ(flow.flow_id, "1");
  EXPECT_EQ(flow.name, "");
  EXPECT_EQ(flow.folder_id, "");
  EXPECT_EQ(flow.folder_name, "");
  EXPECT_EQ(flow.visibility, FlowVisibility::kUnspecified);
  EXPECT_FALSE(flow.create_time.has_value());
  EXPECT_FALSE(flow.exclusive);
  // The missing date is said, not silently dropped.
  EXPECT_THAT(result->warnings, ElementsAre(AllOf(HasSubstr("flows[0].creationDate"),
                                                  HasSubstr("missing"))));
}

TEST(DecodeListFlowsResponseTest, NullOptionalFieldsReadAsAbsent) {
  const auto result = DecodeListFlowsResponse(OneFlow(
      R"("id": "1", "name": null, "folderId": null, "folderName": null,
         "visibility": null, "creationDate": null, "exclusive": null)"));

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->flows[0].name, "");
  EXPECT_EQ(result->flows[0].folder_id, "");
  EXPECT_FALSE(result->flows[0].exclusive);
  EXPECT_FALSE(result->flows[0].create_time.has_value());
}

// Ids Gong writes as JSON numbers keep every digit, including those a double
// cannot hold.
TEST(DecodeListFlowsResponseTest, NumericIdsKeepEveryDigit) {
  for (const std::string number : {"9007199254740993",  // 2^53 + 1
                                   "18446744073709551615", "0"}) {
    SCOPED_TRACE(number);
    const auto result = DecodeListFlowsResponse(
        OneFlow(R"("id": )" + number + R"(, "folderId": )" + number));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->flows[0].flow_id, number);
    EXPECT_EQ(result->flows[0].folder_id, number);
  }
  const auto numeric_request_id = DecodeListFlowsResponse(
      R"({"requestId": 9007199254740993, "records": {}, "flows": []})");
  ASSERT_TRUE(numeric_request_id.ok()) << numeric_request_id.status();
  EXPECT_EQ(numeric_request_id->request_id, "9007199254740993");
}

TEST(DecodeListFlowsResponseTest, RefusesIdsThatAreNotExactIntegers) {
  for (const char* number : {"1.5", "1e3", "1.0", "18446744073709551616"}) {
    SCOPED_TRACE(number);
    const auto bad_id =
        DecodeListFlowsResponse(OneFlow(std::string(R"("id": )") + number));
    ASSERT_FALSE(bad_id.ok());
    EXPECT_THAT(bad_id.status().message(), HasSubstr("flows[0].id"));

    // An optional id costs that field, not the page.
    const auto bad_folder = DecodeListFlowsResponse(
        OneFlow(std::string(R"("id": "1", "folderId": )") + number));
    ASSERT_TRUE(bad_folder.ok()) << bad_folder.status();
    EXPECT_EQ(bad_folder->flows[0].folder_id, "");
    EXPECT_THAT(bad_folder->warnings, Contains(HasSubstr("flows[0].folderId")));
  }
}

TEST(DecodeListFlowsResponseTest, AFlowWithoutAnIdIsRefusedByItsIndex) {
  for (const char* id_field : {"", R"("id": null,)", R"("id": true,)", R"("id": {},)"}) {
    SCOPED_TRACE(id_field);
    const auto result = DecodeListFlowsResponse(
        Page(kLastPageRecords,
             std::string(R"([{"id": "1"}, {)") + id_field + R"( "name": "no id"}])"));
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr("flows[1].id"));
  }
}

// --- DecodeListFlowsResponse: dates ---------------------------------------------

TEST(DecodeListFlowsResponseTest, DatesAreTheExactInstantGongNamed) {
  const std::pair<const char*, absl::Time> cases[] = {
      {"2024-03-05T10:20:30-08:00", kInstant},
      {"2024-03-05T23:50:30+05:30", kInstant},
      {"2024-03-05T18:20:30Z", kInstant},
      {"2024-03-05T10:20:30.123-08:00", kInstant + absl::Milliseconds(123)},
      {"2024-03-05T18:20:30.000001Z", kInstant + absl::Microseconds(1)},
  };
  for (const auto& [date, want] : cases) {
    SCOPED_TRACE(date);
    const auto result = DecodeListFlowsResponse(
        OneFlow(std::string(R"("id": "1", "creationDate": ")") + date + R"(")"));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->flows[0].create_time, want);
    EXPECT_THAT(result->warnings, IsEmpty());
  }
}

// A date that names no instant costs that date, not the page: the flow is
// still listed, and a warning says which flow and what Gong wrote.
TEST(DecodeListFlowsResponseTest, AnUnreadableDateIsAWarningNotAnError) {
  for (const char* date : {R"("yesterday")", R"("2024-03-05T10:20:30")", R"("")",
                           "1709662830", R"("infinite-future")"}) {
    SCOPED_TRACE(date);
    const auto result = DecodeListFlowsResponse(
        Page(kLastPageRecords,
             std::string(R"([{"id": "1", "creationDate": "2024-03-05T18:20:30Z"},
                        {"id": "77", "name": "Odd", "creationDate": )") +
                 date + "}]"));
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_THAT(result->flows, SizeIs(2));
    EXPECT_EQ(result->flows[0].create_time, kInstant);
    EXPECT_EQ(result->flows[1].name, "Odd");
    EXPECT_FALSE(result->flows[1].create_time.has_value());
    EXPECT_THAT(result->warnings, ElementsAre(HasSubstr("flows[1].creationDate")));
  }
}

TEST(DecodeListFlowsResponseTest, AWarningQuotesTheDateSafelyAndShortly) {
  const auto result = DecodeListFlowsResponse(OneFlow(R"("id": "1", "creationDate": ")" +
                                                      std::string("2024-03-05\\n") +
                                                      std::string(500, 'x') + R"(")"));

  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_THAT(result->warnings, SizeIs(1));
  EXPECT_THAT(result->warnings[0], HasSubstr(R"(2024-03-05\n)"));
  EXPECT_THAT(result->warnings[0], Not(HasSubstr("\n")));
  EXPECT_LT(result->warnings[0].size(), 200u);
}

// --- DecodeListFlowsResponse: malformed bodies ---------------------------------

TEST(DecodeListFlowsResponseTest, RefusesABodyWithoutRecords) {
  for (const char* body : {R"({"requestId": "r", "flows": []})",
                           R"({"requestId": "r", "records": null, "flows": []})",
                           R"({"requestId": "r", "records": [], "flows": []})",
                           R"({"requestId": "r", "records": "1", "flows": []})"}) {
    SCOPED_TRACE(body);
    const auto result = DecodeListFlowsResponse(body);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr("records"));
  }
}

TEST(DecodeListFlowsResponseTest, RefusesABodyWithoutTheFlowList) {
  for (const char* body : {R"({"requestId": "r", "records": {}})",
                           R"({"requestId": "r", "records": {}, "flows": null})",
                           R"({"requestId": "r", "records": {}, "flows": {}})",
                           R"({"requestId": "r", "records": {}, "flows": "1"})"}) {
    SCOPED_TRACE(body);
    const auto result = DecodeListFlowsResponse(body);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr("flows"));
  }
}

// Gong's reference is for logs: without it the page is still read, with a
// warning, and request_id is empty.
TEST(DecodeListFlowsResponseTest, AMissingOrUnreadableRequestIdIsAWarning) {
  const std::pair<std::string, const char*> cases[] = {
      {R"({"records": {}, "flows": [{"id": "7"}]})", "requestId is missing; left empty"},
      {R"({"requestId": true, "records": {}, "flows": [{"id": "7"}]})",
       "requestId is not an id (true); left empty"},
  };
  for (const auto& [body, warning] : cases) {
    SCOPED_TRACE(body);
    const auto result = DecodeListFlowsResponse(body);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->request_id, "");
    ASSERT_EQ(result->flows.size(), 1u);
    EXPECT_EQ(result->flows[0].flow_id, "7");
    ASSERT_FALSE(result->warnings.empty());
    EXPECT_EQ(result->warnings[0], warning);
  }
}

// What the page cannot be read without: each flow, and the cursor (read as
// "no more pages", a bad one would end a listing early without a word).
TEST(DecodeListFlowsResponseTest, RefusesWhatThePageNeedsByName) {
  const std::pair<std::string, const char*> cases[] = {
      {R"({"requestId": "r", "records": {"cursor": 12}, "flows": []})", "records.cursor"},
      {R"({"requestId": "r", "records": {}, "flows": ["1"]})", "flows[0]"},
  };
  for (const auto& [body, field] : cases) {
    SCOPED_TRACE(body);
    const auto result = DecodeListFlowsResponse(body);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr(field));
  }
}

// An optional field of the wrong type reads as empty with a warning naming
// it, as in every codec: one odd field never costs the caller the page.
TEST(DecodeListFlowsResponseTest, OptionalFieldsOfTheWrongTypeAreWarnedAboutByName) {
  const std::pair<std::string, const char*> cases[] = {
      {R"({"requestId": "r", "records": {"totalRecords": "5"}, "flows": []})",
       "records.totalRecords"},
      {R"({"requestId": "r", "records": {"totalRecords": 1.5}, "flows": []})",
       "records.totalRecords"},
      {R"({"requestId": "r", "records": {"currentPageSize": true}, "flows": []})",
       "records.currentPageSize"},
      {R"({"requestId": "r", "records": {"currentPageNumber": 18446744073709551615},
           "flows": []})",
       "records.currentPageNumber"},
      {OneFlow(R"("id": "1", "name": 5, "creationDate": "2024-03-05T18:20:30Z")"),
       "flows[0].name"},
      {OneFlow(R"("id": "1", "folderName": [], "creationDate": "2024-03-05T18:20:30Z")"),
       "flows[0].folderName"},
      {OneFlow(R"("id": "1", "visibility": 1, "creationDate": "2024-03-05T18:20:30Z")"),
       "flows[0].visibility"},
      {OneFlow(
           R"("id": "1", "exclusive": "true", "creationDate": "2024-03-05T18:20:30Z")"),
       "flows[0].exclusive"},
      {OneFlow(R"("id": "1", "exclusive": 1, "creationDate": "2024-03-05T18:20:30Z")"),
       "flows[0].exclusive"},
  };
  for (const auto& [body, field] : cases) {
    SCOPED_TRACE(body);
    const auto result = DecodeListFlowsResponse(body);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_THAT(result->warnings, ElementsAre(HasSubstr(field)));
    if (result->flows.empty()) EXPECT_EQ(result->total_records, 0);
    for (const Flow& flow : result->flows) {
      EXPECT_EQ(flow.name, "");
      EXPECT_EQ(flow.folder_name, "");
      EXPECT_EQ(flow.visibility, FlowVisibility::kUnspecified);
      EXPECT_FALSE(flow.exclusive);
    }
  }
}

TEST(DecodeListFlowsResponseTest, RefusesBodiesThatAreNotAJsonObject) {
  for (const char* body : {"", "<html>502 Bad Gateway</html>", "{", "[]", "null",
                           R"({"records": {}, "flows": []} trailing)"}) {
    SCOPED_TRACE(body);
    const auto result = DecodeListFlowsResponse(body);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr("JSON"));
  }
}

// --- DecodeOutcome(..., DecodeListFlowsResponse) ---------------------------------

TEST(ListFlowsOutcomeTest, AReadable200IsTheResult) {
  const GongResult<ListFlowsResult> outcome =
      DecodeOutcome(GongAnswer{OneFlow(R"("id": "1")")}, DecodeListFlowsResponse);
  ASSERT_TRUE(std::holds_alternative<ListFlowsResult>(outcome));
  EXPECT_EQ(std::get<ListFlowsResult>(outcome).flows[0].flow_id, "1");
}

TEST(ListFlowsOutcomeTest, AnUnreadable200IsMalformedSayingWhy) {
  const GongResult<ListFlowsResult> outcome = DecodeOutcome(
      GongAnswer{R"({"requestId": "r", "flows": []})"}, DecodeListFlowsResponse);
  ASSERT_TRUE(std::holds_alternative<GongError>(outcome));
  const GongError& error = std::get<GongError>(outcome);
  EXPECT_EQ(error.kind, GongError::Kind::kMalformedAnswer);
  EXPECT_EQ(error.http_status, 200);
  EXPECT_THAT(error.detail, HasSubstr("records"));
}

TEST(ListFlowsOutcomeTest, GongErrorsPassThrough) {
  const GongResult<ListFlowsResult> outcome =
      DecodeOutcome(GongError::HttpStatus(429, "r-9", {"too many"}, absl::Seconds(2)),
                    DecodeListFlowsResponse);
  ASSERT_TRUE(std::holds_alternative<GongError>(outcome));
  const GongError& error = std::get<GongError>(outcome);
  EXPECT_EQ(error.kind, GongError::Kind::kHttpStatus);
  EXPECT_EQ(error.http_status, 429);
  EXPECT_EQ(error.request_id, "r-9");
  EXPECT_THAT(error.errors, ElementsAre("too many"));
  EXPECT_EQ(error.retry_after, absl::Seconds(2));
}

}  // namespace
}  // namespace gong::upstream
