// Unit tests for assign --bulk's CSV (client/bulk_prospects.h): the header
// names the columns, unknown ones are named in the error, each row is
// checked as the facade checks a prospect, with its line number.
#include "bulk_prospects.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(BulkProspectsTest, ReadsColumnsByHeaderInAnyOrder) {
  absl::StatusOr<ProspectRows> read = ReadProspectsCsv(
      "\xEF\xBB\xBF"
      "Last_Name, first_name ,email,crm_id,company_name\r\n"
      "Doe,Jane,jane@example.com,,\"Acme, Inc.\"\r\n"
      "\r\n"
      ",,,003A,\n"
      ",,,,\n");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->rows.size(), 2u);
  const ProspectRow& jane = read->rows[0];
  EXPECT_EQ(jane.line, 2u);
  EXPECT_EQ(jane.fields[kFirstName], "Jane");
  EXPECT_EQ(jane.fields[kLastName], "Doe");
  EXPECT_EQ(jane.fields[kEmail], "jane@example.com");
  EXPECT_EQ(jane.fields[kCompanyName], "Acme, Inc.");
  EXPECT_EQ(read->rows[1].line, 4u);
  EXPECT_EQ(read->rows[1].fields[kCrmId], "003A");
  EXPECT_EQ(jane.Identity(), R"({"company_name":"Acme, Inc.","email":"jane@example.com",)"
                             R"("first_name":"Jane","last_name":"Doe"})");
}

TEST(BulkProspectsTest, UnknownColumnsAreNamed) {
  absl::StatusOr<ProspectRows> read = ReadProspectsCsv("crm_id,phone,Title\n003A,1,2\n");
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(std::string(read.status().message()),
              HasSubstr("unknown columns 'phone', 'Title'"));
  EXPECT_FALSE(ReadProspectsCsv("crm_id,CRM_ID\n1,2\n").ok());
  EXPECT_FALSE(ReadProspectsCsv("").ok());
  EXPECT_FALSE(ReadProspectsCsv("crm_id\n").ok());  // no prospect
}

TEST(BulkProspectsTest, RowsCheckedAsTheFacadeChecksThemWithLineNumbers) {
  const std::string long_name(1025, 'x');
  absl::StatusOr<ProspectRows> read = ReadProspectsCsv(
      absl::StrCat("crm_id,first_name,last_name,email\n",
                   "003A,,,\n",                 // 2: fine
                   ",Jane,,\n",                 // 3: no last name
                   "003 B,,,\n",                // 4: whitespace in an id
                   ",Jane,Doe,not-an-email\n",  // 5
                   ",", long_name, ",Doe,\n",   // 6: too long
                   ",\"Ja\x01ne\",Doe,\n",      // 7: control character
                   ",Jane,Doe,a@b,extra\n",     // 8: more fields than the header
                   ",\"Jane\nDoe\",Doe,\n",     // 9: a line break in a name
                   ",\xC3,Doe,\n"));            // 11: not UTF-8
  ASSERT_FALSE(read.ok());
  const std::string message(read.status().message());
  for (const char* expected :
       {"line 3:", "line 4: crm_id", "line 5: email", "line 6: first_name",
        "line 7: first_name", "line 8: 5 fields", "line 9: first_name",
        "line 11: first_name"}) {
    EXPECT_THAT(message, HasSubstr(expected));
  }
  EXPECT_THAT(message, Not(HasSubstr("line 2:")));
}

TEST(BulkProspectsTest, ThousandsOfBadRowsReportTwentyAndACount) {
  std::string text = "crm_id,first_name\n";
  for (int i = 0; i < 5000; ++i) absl::StrAppend(&text, ",Only", i, "\n");
  absl::StatusOr<ProspectRows> read = ReadProspectsCsv(text);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("and 4980 more"));
  EXPECT_LT(read.status().message().size(), 4000u);
}

TEST(BulkProspectsTest, DuplicateRowsAreDroppedAndCounted) {
  absl::StatusOr<ProspectRows> read = ReadProspectsCsv(
      "crm_id,first_name,last_name\n003A,,\n 003A ,,\n,Jo,Li\n,Jo,Li\n,Jo,Lee\n");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->rows.size(), 3u);
  EXPECT_EQ(read->duplicates, 2u);
}

TEST(BulkProspectsTest, IdentityReadsBackAsTheRow) {
  ProspectRow row;
  row.fields[kFirstName] = "Zoë \"Z\"";
  row.fields[kLastName] = "O'Neil";
  row.fields[kLinkedinUrl] = "https://linkedin.com/in/z";
  absl::StatusOr<ProspectRow> back = RowFromIdentity(row.Identity());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->fields, row.fields);
  EXPECT_FALSE(RowFromIdentity(R"({"phone":"1"})").ok());
  EXPECT_FALSE(RowFromIdentity("[1]").ok());
}

}  // namespace
}  // namespace gong::cli
