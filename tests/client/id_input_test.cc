// Unit tests for how a many-id command reads its ids (client/id_input.h):
// arguments and stdin, --from files with comments, CSV files with quoting
// and a header, duplicates counted, and every error a user can meet.
#include "id_input.h"

#include <filesystem>
#include <sstream>
#include <string>
#include <tuple>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/test_files.h"

namespace gong::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class IdInputTest : public ::testing::Test {
 protected:
  // Writes `text` to a file named `name` in the test's directory; its path.
  std::string File(const std::string& name, absl::string_view text) {
    const std::filesystem::path path = dir_ / name;
    support::WriteFile(path, text);
    return path.string();
  }

  absl::StatusOr<IdList> FromFile(const std::string& name, absl::string_view text,
                                  const std::string& column = "") {
    IdSource source;
    source.from_file = File(name, text);
    source.column = column;
    std::istringstream no_stdin;
    return ReadIds(source, no_stdin);
  }

  const std::filesystem::path dir_ = support::FreshTestDir("id_input");
};

TEST_F(IdInputTest, ArgumentsInOrderWithDuplicatesCounted) {
  IdSource source;
  source.arguments = {"7300000000000000003", "7300000000000000001", "7300000000000000003",
                      "7300000000000000001", "7300000000000000002"};
  std::istringstream no_stdin;
  absl::StatusOr<IdList> ids = ReadIds(source, no_stdin);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(ids->ids, ElementsAre("7300000000000000003", "7300000000000000001",
                                    "7300000000000000002"));
  EXPECT_EQ(ids->duplicates, 2u);
}

TEST_F(IdInputTest, DashReadsStdinInItsPlaceAsAFileIs) {
  IdSource source;
  source.arguments = {"first", "-", "last", "-"};
  std::istringstream in("  a \n\n# a comment\nb\r\nfirst\n   # indented comment\nc");
  absl::StatusOr<IdList> ids = ReadIds(source, in);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(ids->ids, ElementsAre("first", "a", "b", "c", "last"));
  EXPECT_EQ(ids->duplicates, 1u);
}

TEST_F(IdInputTest, FromDashReadsStdinAsLinesEvenWithAColumnlessName) {
  IdSource source;
  source.from_file = "-";
  std::istringstream in("id,name\n1,x\n");
  absl::StatusOr<IdList> ids = ReadIds(source, in);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(ids->ids, ElementsAre("id,name", "1,x"));
}

TEST_F(IdInputTest, FromFileSkipsBlankLinesAndCommentsAndTrims) {
  absl::StatusOr<IdList> ids =
      FromFile("ids.txt",
               "\xEF\xBB\xBF"  // a byte order mark, as Windows editors write
               "# campaign 12, ended\n1001\r\n  1002\t\n\n\n#1003\n1001\n1004");
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(ids->ids, ElementsAre("1001", "1002", "1004"));
  EXPECT_EQ(ids->duplicates, 1u);
}

TEST_F(IdInputTest, AnEmptyFileIsNoIds) {
  absl::StatusOr<IdList> ids = FromFile("ids.txt", "");
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_TRUE(ids->ids.empty());
}

// Ids the facade refuses are still read: it answers INVALID_ARGUMENT for
// them, and the run reports each one.
TEST_F(IdInputTest, OddIdsAreKeptForTheFacadeToJudge) {
  const std::string long_id(5000, '9');
  absl::StatusOr<IdList> ids =
      FromFile("ids.txt", absl::StrCat(long_id, "\nwith\x01control\nab cd\n"));
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(ids->ids, ElementsAre(long_id, "with\x01control", "ab cd"));
}

TEST_F(IdInputTest, TextThatIsNotUtf8IsRefusedWithItsLine) {
  for (const char* bad :
       {"caf\xE9", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "cut\xE2\x82"}) {
    SCOPED_TRACE(absl::CHexEscape(bad));
    absl::StatusOr<IdList> ids = FromFile("ids.txt", absl::StrCat("1\n2\n", bad, "\n"));
    ASSERT_FALSE(ids.ok());
    EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(ids.status().message(), HasSubstr("line 3: not UTF-8"));
  }
  absl::StatusOr<IdList> ids = FromFile("ids.txt", "caf\xC3\xA9\n\xF0\x9F\x98\x80\n");
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(ids->ids.size(), 2u);
}

TEST_F(IdInputTest, ArgumentsAndFromTogetherAreAnError) {
  IdSource source;
  source.arguments = {"1"};
  source.from_file = File("ids.txt", "2\n");
  std::istringstream no_stdin;
  absl::StatusOr<IdList> ids = ReadIds(source, no_stdin);
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ids.status().message(), HasSubstr("--from"));
}

TEST_F(IdInputTest, AMissingFileIsAnErrorNamingIt) {
  IdSource source;
  source.from_file = (dir_ / "nowhere.txt").string();
  std::istringstream no_stdin;
  absl::StatusOr<IdList> ids = ReadIds(source, no_stdin);
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ids.status().message(),
              HasSubstr("nowhere.txt: No such file or directory"));
}

TEST_F(IdInputTest, ADirectoryIsAnError) {
  IdSource source;
  source.from_file = dir_.string();
  std::istringstream no_stdin;
  absl::StatusOr<IdList> ids = ReadIds(source, no_stdin);
  ASSERT_FALSE(ids.ok());
  EXPECT_THAT(ids.status().message(), HasSubstr("Is a directory"));
}

TEST_F(IdInputTest, ColumnWithoutACsvFileIsAnError) {
  absl::StatusOr<IdList> ids = FromFile("ids.txt", "1\n", "id");
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ids.status().message(), HasSubstr("--column"));

  IdSource source;
  source.arguments = {"1"};
  source.column = "id";
  std::istringstream no_stdin;
  EXPECT_FALSE(ReadIds(source, no_stdin).ok());
}

TEST_F(IdInputTest, CsvPicksTheNamedColumn) {
  absl::StatusOr<IdList> ids =
      FromFile("prospects.CSV",
               "email,instance_id,owner\r\n"
               "ana@example.com,7300000000000000001,Ana\r\n"
               "bruno@example.com, 7300000000000000002 ,Bruno\r\n"
               "\r\n"
               "chen@example.com,,Chen\r\n"
               "dana@example.com,7300000000000000001,Dana\r\n",
               "instance_id");
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(ids->ids, ElementsAre("7300000000000000001", "7300000000000000002"));
  EXPECT_EQ(ids->duplicates, 1u);
}

TEST_F(IdInputTest, CsvQuotedFieldsHoldCommasQuotesAndLineBreaks) {
  absl::StatusOr<IdList> ids = FromFile("ids.csv",
                                        "\xEF\xBB\xBF\"note\",\"id\"\n"
                                        "\"hello, world\",\"a\"\n"
                                        "\"she said \"\"hi\"\"\",\"b\"\"quoted\"\"\"\n"
                                        "\"two\nlines\r\nhere\",c\n"
                                        "plain,\"d,e\"\n"
                                        "# not a comment in a CSV,f\n",
                                        "id");
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(ids->ids, ElementsAre("a", "b\"quoted\"", "c", "d,e", "f"));
}

TEST_F(IdInputTest, CsvColumnMatchesAnotherCaseWhenNoExactOne) {
  absl::StatusOr<IdList> ids =
      FromFile("ids.csv", "Name,Instance ID\nx,1\n", "instance id");
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(ids->ids, ElementsAre("1"));
}

TEST_F(IdInputTest, CsvWithoutColumnListsTheHeadersColumns) {
  absl::StatusOr<IdList> ids = FromFile("ids.csv", "email,instance_id\na,1\n");
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ids.status().message(), HasSubstr("--column=NAME"));
  EXPECT_THAT(ids.status().message(), HasSubstr("\"email\", \"instance_id\""));
}

TEST_F(IdInputTest, CsvUnknownColumnListsTheHeadersColumns) {
  absl::StatusOr<IdList> ids = FromFile("ids.csv", "email,instance_id\na,1\n", "id");
  ASSERT_FALSE(ids.ok());
  EXPECT_THAT(ids.status().message(), HasSubstr("no column \"id\""));
  EXPECT_THAT(ids.status().message(), HasSubstr("\"email\", \"instance_id\""));
}

// A header of another file's shape (thousands of columns, long names,
// control characters) makes a short error that is one line.
TEST_F(IdInputTest, CsvErrorsShowAHostileHeaderShort) {
  std::string header = absl::StrCat("a\x1b[2Jb,", std::string(10000, 'x'));
  for (int i = 0; i < 5000; ++i) absl::StrAppend(&header, ",c", i);
  absl::StatusOr<IdList> ids = FromFile("ids.csv", absl::StrCat(header, "\n1\n"), "id");
  ASSERT_FALSE(ids.ok());
  const std::string message(ids.status().message());
  EXPECT_LT(message.size(), 1000u);
  EXPECT_THAT(message, HasSubstr("and 4982 more"));
  EXPECT_THAT(message, Not(HasSubstr("\x1b")));
  EXPECT_THAT(message, Not(HasSubstr("\n")));
}

TEST_F(IdInputTest, CsvAmbiguousColumnIsAnError) {
  absl::StatusOr<IdList> ids = FromFile("ids.csv", "id,name,id\n1,x,2\n", "id");
  ASSERT_FALSE(ids.ok());
  EXPECT_THAT(ids.status().message(), HasSubstr("more than one column"));
}

TEST_F(IdInputTest, CsvEmptyFileIsAnError) {
  absl::StatusOr<IdList> ids = FromFile("ids.csv", "\n\n", "id");
  ASSERT_FALSE(ids.ok());
  EXPECT_THAT(ids.status().message(), HasSubstr("header row"));
}

TEST_F(IdInputTest, CsvUnclosedQuoteIsAnErrorNamingItsLine) {
  absl::StatusOr<IdList> ids = FromFile("ids.csv", "id\n1\n\"2\n3\n4\n", "id");
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ids.status().message(), HasSubstr("line 3: a quoted field is not closed"));
}

TEST_F(IdInputTest, CsvShortRowIsAnErrorNamingItsLine) {
  absl::StatusOr<IdList> ids =
      FromFile("ids.csv", "name,id\nx,1\n\"multi\nline\",2\nno id here\n", "id");
  ASSERT_FALSE(ids.ok());
  EXPECT_THAT(ids.status().message(), HasSubstr("line 5: 1 fields"));
}

TEST_F(IdInputTest, CsvLastRowWithoutLineEndAndTrailingCommas) {
  absl::StatusOr<IdList> ids = FromFile("ids.csv", "id,\n1,\n2,", "id");
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(ids->ids, ElementsAre("1", "2"));
}

// 100,000 lines, half of them repeats: read in linear time (a quadratic
// dedupe would take minutes here, so the test's own timeout catches it).
TEST_F(IdInputTest, AHundredThousandLines) {
  std::string text;
  std::string csv = "n,id\n";
  for (int i = 0; i < 100000; ++i) {
    const std::string id = absl::StrCat(7300000000000000000 + i % 50000);
    absl::StrAppend(&text, id, "\n");
    absl::StrAppend(&csv, i, ",\"", id, "\"\r\n");
  }
  for (const auto& [name, body, column] :
       {std::tuple{"ids.txt", text, ""}, std::tuple{"ids.csv", csv, "id"}}) {
    SCOPED_TRACE(name);
    absl::StatusOr<IdList> ids = FromFile(name, body, column);
    ASSERT_TRUE(ids.ok()) << ids.status();
    ASSERT_EQ(ids->ids.size(), 50000u);
    EXPECT_EQ(ids->duplicates, 50000u);
    EXPECT_EQ(ids->ids.front(), "7300000000000000000");
    EXPECT_EQ(ids->ids.back(), "7300000000000049999");
  }
}

}  // namespace
}  // namespace gong::cli
