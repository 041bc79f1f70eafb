// CallerTokens: which Authorization values pass and whose they are, the
// file format (named callers with roles, bare tokens, and every malformed
// line refusing the file), and the re-reading of a file that changes
// (rename over, the Kubernetes `..data` symlink swap, a file that vanishes,
// empties or breaks). Time moves only by FakeClock::Advance; files live
// under ::testing::TempDir().
#include "auth/caller_tokens.h"

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "fakes/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/test_files.h"

namespace gong::auth {
namespace {

namespace fs = std::filesystem;
using fakes::FakeClock;
using ::testing::HasSubstr;
using ::testing::Not;

// Secret-looking values the tests search for in messages and logs.
constexpr char kAlpha[] = "alpha-5f1c9e0b";
constexpr char kBeta[] = "beta-77d2a403";
constexpr char kGamma[] = "gamma-c08e1b56";

std::string Bearer(absl::string_view token) { return absl::StrCat("Bearer ", token); }

using support::WriteFile;

// Writes a sibling file and renames it over `path`: how editors and config
// tools replace a file atomically (a new inode under the same name).
void ReplaceFile(const fs::path& path, absl::string_view text) {
  const fs::path next = path.string() + ".next";
  WriteFile(next, text);
  fs::rename(next, path);
}

class CallerTokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = support::FreshTestDir("caller_tokens");
    path_ = dir_ / "tokens";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<CallerTokens> MustLoad(absl::string_view text) {
    WriteFile(path_, text);
    absl::StatusOr<std::unique_ptr<CallerTokens>> tokens =
        CallerTokens::Load(path_.string(), &clock_);
    EXPECT_TRUE(tokens.ok()) << tokens.status();
    return tokens.ok() ? *std::move(tokens) : nullptr;
  }

  FakeClock clock_;
  fs::path dir_;
  fs::path path_;
};

TEST_F(CallerTokensTest, AcceptsEveryTokenOfTheFileAndNothingElse) {
  auto tokens = MustLoad(absl::StrCat(kAlpha, "\n", kBeta, "\n"));
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->size(), 2u);
  EXPECT_TRUE(tokens->Authenticate(Bearer(kAlpha)));
  EXPECT_TRUE(tokens->Authenticate(Bearer(kBeta)));

  const std::string alpha = kAlpha;
  const std::string refused[] = {
      Bearer(kGamma),                             // not in the file
      Bearer(alpha.substr(0, alpha.size() - 1)),  // a prefix
      Bearer(alpha + "0"),                        // longer
      Bearer(absl::AsciiStrToUpper(alpha)),       // tokens are case-sensitive
      alpha,                                      // no scheme
      absl::StrCat("Bearer", alpha),              // no space after the scheme
      absl::StrCat("Basic ", alpha),              // another scheme
      absl::StrCat("Token ", alpha),
      absl::StrCat(" Bearer ", alpha),  // leading space
      Bearer(alpha) + " ",              // trailing space is not trimmed
      absl::StrCat("Bearer ", kAlpha, ",", kBeta),
      "Bearer ",
      "Bearer",
      "",
  };
  for (const std::string& header : refused) {
    EXPECT_FALSE(tokens->Authenticate(header)) << "\"" << header << "\"";
  }
}

// RFC 6750 names the scheme "Bearer", and RFC 7235 makes auth schemes
// case-insensitive: clients that send "bearer" are right, so they pass.
TEST_F(CallerTokensTest, SchemeIsCaseInsensitiveAndMaySpanSeveralSpaces) {
  auto tokens = MustLoad(absl::StrCat(kAlpha, "\n"));
  ASSERT_NE(tokens, nullptr);
  for (absl::string_view scheme : {"Bearer", "bearer", "BEARER", "bEaReR"}) {
    EXPECT_TRUE(tokens->Authenticate(absl::StrCat(scheme, " ", kAlpha))) << scheme;
  }
  EXPECT_TRUE(tokens->Authenticate(absl::StrCat("Bearer   ", kAlpha)));
  EXPECT_FALSE(tokens->Authenticate(absl::StrCat("Bearer\t", kAlpha)));
}

TEST_F(CallerTokensTest, SkipsCommentsAndBlankLinesAndTrimsWhitespace) {
  auto tokens = MustLoad(absl::StrCat("# callers of the facade\n", "\n", "   \n", "  ",
                                      kAlpha, "  \n", "\t# ", kGamma, " was revoked\n",
                                      kBeta, "\t"));  // no final newline
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->size(), 2u);
  EXPECT_TRUE(tokens->Authenticate(Bearer(kAlpha)));
  EXPECT_TRUE(tokens->Authenticate(Bearer(kBeta)));
  EXPECT_FALSE(tokens->Authenticate(Bearer(kGamma)));
  EXPECT_FALSE(tokens->Authenticate("Bearer # callers of the facade"));
  EXPECT_FALSE(tokens->Authenticate("Bearer #"));
}

TEST_F(CallerTokensTest, ReadsFilesWithWindowsLineEndings) {
  auto tokens =
      MustLoad(absl::StrCat("# comment\r\n", kAlpha, "\r\n\r\n", kBeta, "\r\n"));
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->size(), 2u);
  EXPECT_TRUE(tokens->Authenticate(Bearer(kAlpha)));
  EXPECT_TRUE(tokens->Authenticate(Bearer(kBeta)));
  EXPECT_FALSE(tokens->Authenticate(absl::StrCat("Bearer ", kAlpha, "\r")));
}

TEST_F(CallerTokensTest, DuplicateLinesCountOnce) {
  auto tokens = MustLoad(absl::StrCat(kAlpha, "\n", kAlpha, "\n", kBeta, "\n"));
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->size(), 2u);
}

// The pure parser the file loader uses (and the fuzzer drives).
std::vector<CallerToken> MustParse(absl::string_view text) {
  absl::StatusOr<std::vector<CallerToken>> tokens = ParseCallerTokens(text);
  EXPECT_TRUE(tokens.ok()) << tokens.status();
  return tokens.ok() ? *std::move(tokens) : std::vector<CallerToken>();
}

// A parsed token as "token=name/role", to compare lists at a glance.
std::vector<std::string> Described(const std::vector<CallerToken>& tokens) {
  std::vector<std::string> described;
  for (const CallerToken& token : tokens) {
    described.push_back(absl::StrCat(token.token, "=", token.caller.name, "/",
                                     RoleName(token.caller.role)));
  }
  return described;
}

TEST(ParseCallerTokensTest, BareTokensAreUnnamedWritersTrimmedSortedOnce) {
  EXPECT_THAT(Described(MustParse("# comment\r\n  zeta \n\n\talpha\r\nzeta\n#x\n")),
              ::testing::ElementsAre("alpha=unnamed/writer", "zeta=unnamed/writer"));
  EXPECT_THAT(MustParse(""), ::testing::IsEmpty());
  EXPECT_THAT(MustParse("\n \n# only a comment\n\r\n"), ::testing::IsEmpty());
  // Only a line's first character makes it a comment.
  EXPECT_THAT(Described(MustParse("a#b\n")),
              ::testing::ElementsAre("a#b=unnamed/writer"));
}

TEST(ParseCallerTokensTest, NamedCallersWithTheirRolesBesideBareTokens) {
  EXPECT_THAT(
      Described(MustParse("# name role token\n"
                          "reporting reader tok-r\n"
                          "  crm.sync_2-b \t writer\ttok-w  \r\n"
                          "tok-bare\n"
                          "reporting   reader   tok-r2\n")),
      ::testing::ElementsAre("tok-bare=unnamed/writer", "tok-r=reporting/reader",
                             "tok-r2=reporting/reader", "tok-w=crm.sync_2-b/writer"));
  // The longest name there may be, every character a name may hold.
  const std::string longest =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._";
  ASSERT_EQ(longest.size(), 64u);
  EXPECT_THAT(Described(MustParse(absl::StrCat(longest, " writer t\n"))),
              ::testing::ElementsAre(absl::StrCat("t=", longest, "/writer")));
  // A token may hold any byte that is not whitespace, '#' too.
  EXPECT_THAT(Described(MustParse("ana reader #x\xff\n")),
              ::testing::ElementsAre("#x\xff=ana/reader"));
}

TEST(ParseCallerTokensTest, ALineRepeatedAndANameWithSeveralTokensAreFine) {
  // Two tokens for one name: how a caller's token is rotated.
  EXPECT_THAT(Described(MustParse(absl::StrCat("ana reader ", kAlpha, "\nana reader ",
                                               kBeta, "\nana reader ", kAlpha, "\n",
                                               kGamma, "\n", kGamma, "\n"))),
              ::testing::ElementsAre(absl::StrCat(kAlpha, "=ana/reader"),
                                     absl::StrCat(kBeta, "=ana/reader"),
                                     absl::StrCat(kGamma, "=unnamed/writer")));
}

// Each malformed line refuses the whole text, naming its line and what is
// wrong, and never what the line holds: the token written in the wrong
// column included.
TEST(ParseCallerTokensTest, EveryMalformedLineRefusesTheTextNamingTheLineNotTheToken) {
  struct Case {
    std::string line;
    std::string says;
  };
  const std::string long_name(65, 'a');
  const Case cases[] = {
      {absl::StrCat("ana ", kAlpha), "2 fields"},
      {absl::StrCat("reader ", kAlpha), "2 fields"},
      {absl::StrCat("ana reader ", kAlpha, " extra"), "more than 3 fields"},
      {absl::StrCat("ana reader ", kAlpha, " ", kBeta, " ", kGamma),
       "more than 3 fields"},
      {absl::StrCat("ana reader ", kAlpha, " #comment"), "more than 3 fields"},
      {absl::StrCat(long_name, " reader ", kAlpha), "the name is not 1 to 64"},
      {absl::StrCat("ana/bo reader ", kAlpha), "the name is not 1 to 64"},
      {absl::StrCat("ana:bo reader ", kAlpha), "the name is not 1 to 64"},
      {absl::StrCat("an\xc3\xa1 reader ", kAlpha), "the name is not 1 to 64"},
      {absl::StrCat("ana\x01 reader ", kAlpha), "the name is not 1 to 64"},
      {absl::StrCat("ana Reader ", kAlpha), "neither reader nor writer"},
      {absl::StrCat("ana admin ", kAlpha), "neither reader nor writer"},
      {absl::StrCat("ana read ", kAlpha), "neither reader nor writer"},
      // Columns swapped: the token lands where the role goes.
      {absl::StrCat("ana ", kAlpha, " reader"), "neither reader nor writer"},
      {absl::StrCat("unnamed writer ", kAlpha), "the name \"unnamed\" is reserved"},
      {absl::StrCat("unauthenticated reader ", kAlpha),
       "the name \"unauthenticated\" is reserved"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    // Line 4, after a comment, a good line and a blank one.
    const absl::StatusOr<std::vector<CallerToken>> parsed = ParseCallerTokens(
        absl::StrCat("# callers\nbob writer tok-b\n\n", c.line, "\nzed reader tok-z\n"));
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr("line 4: "));
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.says));
    for (const char* secret : {kAlpha, kBeta, kGamma, "tok-b", "tok-z"}) {
      EXPECT_THAT(parsed.status().message(), Not(HasSubstr(secret)));
    }
  }
}

// One token for two callers, or two roles: the call could not say who it
// is. Reported at the later line, naming the earlier one.
TEST(ParseCallerTokensTest, ATokenGivenToTwoCallersOrRolesIsRefused) {
  const std::string texts[] = {
      absl::StrCat("ana reader ", kAlpha, "\nbob reader ", kAlpha, "\n"),
      absl::StrCat("ana reader ", kAlpha, "\nana writer ", kAlpha, "\n"),
      absl::StrCat(kAlpha, "\nana writer ", kAlpha, "\n"),
      absl::StrCat("ana reader ", kAlpha, "\n", kAlpha, "\n"),
  };
  for (const std::string& text : texts) {
    SCOPED_TRACE(text);
    const absl::StatusOr<std::vector<CallerToken>> parsed =
        ParseCallerTokens(absl::StrCat("zed reader z\n", text, "zed reader z\n"));
    ASSERT_FALSE(parsed.ok());
    EXPECT_THAT(parsed.status().message(),
                HasSubstr("line 3: its token is also on line 2"));
    EXPECT_THAT(parsed.status().message(), Not(HasSubstr(kAlpha)));
  }
  // Of several conflicts, the first in the file's order.
  const absl::StatusOr<std::vector<CallerToken>> parsed =
      ParseCallerTokens("a reader t9\nb reader t1\nc reader t1\nd reader t9\n");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("line 3: its token is also on line 2"));
}

// Hostile sizes: many lines, one huge line, a line of countless fields.
TEST(ParseCallerTokensTest, ThousandsOfLinesAndHugeLinesAreReadOrRefusedQuickly) {
  std::string many;
  for (int i = 0; i < 20000; ++i) {
    absl::StrAppend(&many, "caller-", i % 100, i % 3 == 0 ? " reader " : " writer ",
                    "token-", i, "\n");
  }
  EXPECT_EQ(MustParse(many).size(), 20000u);
  const std::string huge_token(512 * 1024, 'x');
  EXPECT_EQ(MustParse(absl::StrCat("ana reader ", huge_token)).size(), 1u);
  std::string fields = "ana reader";
  for (int i = 0; i < 100000; ++i) absl::StrAppend(&fields, " f");
  EXPECT_THAT(ParseCallerTokens(fields).status().message(),
              HasSubstr("line 1: more than 3 fields"));
}

TEST_F(CallerTokensTest, EachTokenAuthenticatesItsOwnCaller) {
  auto tokens = MustLoad(absl::StrCat("reporting reader ", kAlpha, "\ncrm-sync writer ",
                                      kBeta, "\n", kGamma, "\n"));
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->Authenticate(Bearer(kAlpha)), (Caller{"reporting", Role::kReader}));
  EXPECT_EQ(tokens->Authenticate(absl::StrCat("bearer   ", kBeta)),
            (Caller{"crm-sync", Role::kWriter}));
  EXPECT_EQ(tokens->Authenticate(Bearer(kGamma)), (Caller{"unnamed", Role::kWriter}));
  // A name or a role is no token.
  for (const char* not_a_token : {"reporting", "reader", "writer", "unnamed"}) {
    EXPECT_EQ(tokens->Authenticate(Bearer(not_a_token)), std::nullopt) << not_a_token;
  }
  // Nor is a whole line.
  EXPECT_EQ(tokens->Authenticate(Bearer(absl::StrCat("reporting reader ", kAlpha))),
            std::nullopt);
}

TEST_F(CallerTokensTest, LoadFailsOnAMalformedLineNamingItButNotItsToken) {
  WriteFile(path_, absl::StrCat("ana reader ", kAlpha, "\nbob ", kBeta, "\n"));
  absl::StatusOr<std::unique_ptr<CallerTokens>> tokens =
      CallerTokens::Load(path_.string(), &clock_);
  ASSERT_FALSE(tokens.ok());
  EXPECT_THAT(tokens.status().message(), HasSubstr("--caller_tokens_file"));
  EXPECT_THAT(tokens.status().message(), HasSubstr(path_.string()));
  EXPECT_THAT(tokens.status().message(), HasSubstr("line 2: 2 fields"));
  EXPECT_THAT(tokens.status().message(), Not(HasSubstr(kAlpha)));
  EXPECT_THAT(tokens.status().message(), Not(HasSubstr(kBeta)));
}

// A file that breaks while the server runs keeps the callers of the last
// good one, whole (not the lines before the broken one), and says so once.
TEST_F(CallerTokensTest, AMalformedReloadKeepsTheLastGoodCallersAndIsLoggedOnce) {
  auto tokens = MustLoad(absl::StrCat("ana reader ", kAlpha, "\n"));
  ASSERT_NE(tokens, nullptr);

  ::testing::internal::CaptureStderr();
  ReplaceFile(path_, absl::StrCat("bob writer ", kBeta, "\nana lord ", kAlpha, "\n"));
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(absl::Seconds(1));
    EXPECT_EQ(tokens->Authenticate(Bearer(kAlpha)), (Caller{"ana", Role::kReader}));
    EXPECT_EQ(tokens->Authenticate(Bearer(kBeta)), std::nullopt);
  }
  EXPECT_THAT(tokens->last_refresh_status().message(),
              HasSubstr("line 2: the role is neither reader nor writer"));
  ReplaceFile(path_, absl::StrCat("ana writer ", kAlpha, "\n"));
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(tokens->Authenticate(Bearer(kAlpha)), (Caller{"ana", Role::kWriter}));
  const std::string logged = ::testing::internal::GetCapturedStderr();

  size_t failures = 0;
  for (size_t at = logged.find("line 2:"); at != std::string::npos;
       at = logged.find("line 2:", at + 1)) {
    ++failures;
  }
  EXPECT_EQ(failures, 1u) << logged;
  EXPECT_THAT(logged, HasSubstr("1 caller tokens now accepted")) << logged;
  for (const char* token : {kAlpha, kBeta}) {
    EXPECT_THAT(logged, Not(HasSubstr(token)));
  }
}

TEST_F(CallerTokensTest, ReplacedFileIsPickedUpAfterTheRecheckIntervalNotBefore) {
  auto tokens = MustLoad(absl::StrCat(kAlpha, "\n"));
  ASSERT_NE(tokens, nullptr);
  ReplaceFile(path_, absl::StrCat(kBeta, "\n", kGamma, "\n"));

  clock_.Advance(CallerTokens::DefaultRecheckInterval() - absl::Milliseconds(1));
  EXPECT_TRUE(tokens->Authenticate(Bearer(kAlpha)));
  EXPECT_FALSE(tokens->Authenticate(Bearer(kBeta)));
  EXPECT_EQ(tokens->size(), 1u);

  clock_.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(tokens->Authenticate(Bearer(kBeta)));
  EXPECT_TRUE(tokens->Authenticate(Bearer(kGamma)));
  EXPECT_FALSE(tokens->Authenticate(Bearer(kAlpha)));
  EXPECT_EQ(tokens->size(), 2u);
  EXPECT_TRUE(tokens->last_refresh_status().ok());

  // The next look is one interval after the last one, not before.
  ReplaceFile(path_, absl::StrCat(kAlpha, "\n"));
  clock_.Advance(absl::Milliseconds(500));
  EXPECT_TRUE(tokens->Authenticate(Bearer(kBeta)));
  clock_.Advance(absl::Milliseconds(500));
  EXPECT_TRUE(tokens->Authenticate(Bearer(kAlpha)));
  EXPECT_FALSE(tokens->Authenticate(Bearer(kBeta)));
}

TEST_F(CallerTokensTest, FileRewrittenInPlaceIsPickedUp) {
  auto tokens = MustLoad(absl::StrCat(kAlpha, "\n"));
  ASSERT_NE(tokens, nullptr);
  WriteFile(path_, absl::StrCat(kAlpha, "\n", kBeta, "\n"));  // same inode, new size
  tokens->RefreshIfChanged();
  EXPECT_TRUE(tokens->Authenticate(Bearer(kBeta)));
  EXPECT_EQ(tokens->size(), 2u);
}

// What the kubelet does to a mounted Secret: the visible file is a symlink
// into `..data`, itself a symlink to a timestamped directory; an update
// writes a new directory and renames a new `..data` link over the old one.
TEST_F(CallerTokensTest, KubernetesSecretUpdateIsPickedUp) {
  const fs::path first = dir_ / "..2024_01_01_00_00_00.000000001";
  const fs::path second = dir_ / "..2024_01_02_00_00_00.000000002";
  fs::create_directory(first);
  WriteFile(first / "tokens", absl::StrCat(kAlpha, "\n"));
  fs::create_directory_symlink(first.filename(), dir_ / "..data");
  fs::create_symlink(fs::path("..data") / "tokens", path_);

  absl::StatusOr<std::unique_ptr<CallerTokens>> loaded =
      CallerTokens::Load(path_.string(), &clock_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  CallerTokens& tokens = **loaded;
  EXPECT_TRUE(tokens.Authenticate(Bearer(kAlpha)));

  fs::create_directory(second);
  WriteFile(second / "tokens", absl::StrCat(kBeta, "\n"));
  fs::create_directory_symlink(second.filename(), dir_ / "..data_tmp");
  fs::rename(dir_ / "..data_tmp", dir_ / "..data");
  fs::remove_all(first);

  clock_.Advance(absl::Milliseconds(999));
  EXPECT_TRUE(tokens.Authenticate(Bearer(kAlpha)));
  EXPECT_FALSE(tokens.Authenticate(Bearer(kBeta)));

  clock_.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(tokens.Authenticate(Bearer(kBeta)));
  EXPECT_FALSE(tokens.Authenticate(Bearer(kAlpha)));
}

TEST_F(CallerTokensTest, VanishedFileKeepsTheLastTokensUntilItComesBack) {
  auto tokens = MustLoad(absl::StrCat(kAlpha, "\n"));
  ASSERT_NE(tokens, nullptr);
  fs::remove(path_);

  clock_.Advance(absl::Seconds(5));
  EXPECT_TRUE(tokens->Authenticate(Bearer(kAlpha)));
  EXPECT_EQ(tokens->size(), 1u);
  const absl::Status status = tokens->last_refresh_status();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("--caller_tokens_file"));
  EXPECT_THAT(status.message(), HasSubstr(path_.string()));

  WriteFile(path_, absl::StrCat(kBeta, "\n"));
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(tokens->Authenticate(Bearer(kBeta)));
  EXPECT_FALSE(tokens->Authenticate(Bearer(kAlpha)));
  EXPECT_TRUE(tokens->last_refresh_status().ok());
}

TEST_F(CallerTokensTest, FileWithoutTokensOrUnreadableKeepsTheLastTokens) {
  auto tokens = MustLoad(absl::StrCat(kAlpha, "\n"));
  ASSERT_NE(tokens, nullptr);

  ReplaceFile(path_, absl::StrCat("# ", kBeta, " is coming\n\n"));
  tokens->RefreshIfChanged();
  EXPECT_TRUE(tokens->Authenticate(Bearer(kAlpha)));
  EXPECT_FALSE(tokens->Authenticate(Bearer(kBeta)));
  EXPECT_THAT(tokens->last_refresh_status().message(), HasSubstr("holds no token"));
  EXPECT_THAT(tokens->last_refresh_status().message(), Not(HasSubstr(kBeta)));

  // Something that cannot be read as a file (root reads any mode, so a
  // directory stands in for a file without permission).
  fs::remove(path_);
  fs::create_directory(path_);
  tokens->RefreshIfChanged();
  EXPECT_TRUE(tokens->Authenticate(Bearer(kAlpha)));
  EXPECT_FALSE(tokens->last_refresh_status().ok());
  EXPECT_THAT(tokens->last_refresh_status().message(), HasSubstr("--caller_tokens_file"));

  // Tried again at the next look, without waiting for another change.
  fs::remove(path_);
  WriteFile(path_, absl::StrCat(kBeta, "\n"));
  tokens->RefreshIfChanged();
  EXPECT_TRUE(tokens->Authenticate(Bearer(kBeta)));
  EXPECT_TRUE(tokens->last_refresh_status().ok());
}

TEST_F(CallerTokensTest, ReportsAFailureOnceAndNeverLogsTokens) {
  auto tokens = MustLoad(absl::StrCat(kAlpha, "\n"));
  ASSERT_NE(tokens, nullptr);

  ::testing::internal::CaptureStderr();
  fs::remove(path_);
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(absl::Seconds(1));
    EXPECT_TRUE(tokens->Authenticate(Bearer(kAlpha)));
  }
  WriteFile(path_, absl::StrCat(kBeta, "\n", kGamma, "\n"));
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(tokens->Authenticate(Bearer(kBeta)));
  const std::string logged = ::testing::internal::GetCapturedStderr();

  size_t failures = 0;
  for (size_t at = logged.find("cannot stat"); at != std::string::npos;
       at = logged.find("cannot stat", at + 1)) {
    ++failures;
  }
  EXPECT_EQ(failures, 1u) << logged;
  EXPECT_THAT(logged, HasSubstr("2 caller tokens")) << logged;
  for (const char* token : {kAlpha, kBeta, kGamma}) {
    EXPECT_THAT(logged, Not(HasSubstr(token)));
  }
}

TEST_F(CallerTokensTest, LoadFailsOnAMissingFileNamingTheFlagAndPath) {
  absl::StatusOr<std::unique_ptr<CallerTokens>> tokens =
      CallerTokens::Load((dir_ / "absent").string(), &clock_);
  ASSERT_FALSE(tokens.ok());
  EXPECT_THAT(tokens.status().message(), HasSubstr("--caller_tokens_file"));
  EXPECT_THAT(tokens.status().message(), HasSubstr((dir_ / "absent").string()));
}

TEST_F(CallerTokensTest, LoadFailsOnAFileWithoutTokensWithoutQuotingIt) {
  for (const std::string& text :
       {std::string(), std::string("\n  \n\r\n"), absl::StrCat("# ", kAlpha, "\n")}) {
    WriteFile(path_, text);
    absl::StatusOr<std::unique_ptr<CallerTokens>> tokens =
        CallerTokens::Load(path_.string(), &clock_);
    ASSERT_FALSE(tokens.ok());
    EXPECT_THAT(tokens.status().message(), HasSubstr("--caller_tokens_file"));
    EXPECT_THAT(tokens.status().message(), HasSubstr("holds no token"));
    EXPECT_THAT(tokens.status().message(), Not(HasSubstr(kAlpha)));
  }
}

TEST_F(CallerTokensTest, LoadFailsOnADirectoryAndOnAnEmptyPath) {
  absl::StatusOr<std::unique_ptr<CallerTokens>> tokens =
      CallerTokens::Load(dir_.string(), &clock_);
  ASSERT_FALSE(tokens.ok());
  EXPECT_THAT(tokens.status().message(), HasSubstr("--caller_tokens_file"));
  EXPECT_FALSE(CallerTokens::Load("", &clock_).ok());
}

// Authenticate() from many threads while the file keeps changing under them and
// every call looks at it (interval zero): each token present in every
// version always passes. Meant for the thread sanitizer build as well.
TEST_F(CallerTokensTest, ConcurrentChecksDuringReloads) {
  WriteFile(path_, absl::StrCat(kAlpha, "\n"));
  absl::StatusOr<std::unique_ptr<CallerTokens>> loaded =
      CallerTokens::Load(path_.string(), &clock_, absl::ZeroDuration());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  CallerTokens& tokens = **loaded;

  std::atomic<bool> stop{false};
  std::atomic<int> refused{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&] {
      while (!stop.load()) {
        const std::optional<Caller> alpha = tokens.Authenticate(Bearer(kAlpha));
        if (!alpha) refused.fetch_add(1);
        // kAlpha is the same caller in every version of the file.
        if (alpha && alpha->name != "unnamed") refused.fetch_add(100);
        if (tokens.Authenticate(Bearer(kGamma))) refused.fetch_add(1000);
      }
    });
  }
  // The tokens move about (sorting puts them in another order each time),
  // and the file breaks now and then.
  for (int i = 0; i < 200; ++i) {
    ReplaceFile(path_, i % 3 == 0 ? absl::StrCat(kAlpha, "\n", "zed writer ", kBeta, "\n")
                       : i % 3 == 1
                           ? absl::StrCat("a reader ", kBeta, "\n", kAlpha, "\n# x\n")
                           : absl::StrCat(kAlpha, "\nbroken ", kGamma, "\n"));
    tokens.RefreshIfChanged();
  }
  stop = true;
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(refused.load(), 0);
  EXPECT_TRUE(tokens.Authenticate(Bearer(kBeta)));
}

}  // namespace
}  // namespace gong::auth
