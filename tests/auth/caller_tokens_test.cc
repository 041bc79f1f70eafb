// CallerTokens: which Authorization values pass, the file format, and the
// re-reading of a file that changes (rename over, the Kubernetes `..data`
// symlink swap, a file that vanishes or empties). Time moves only by
// FakeClock::Advance; files live under ::testing::TempDir().
#include "auth/caller_tokens.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "fakes/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

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

void WriteFile(const fs::path& path, absl::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

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
    dir_ = fs::path(::testing::TempDir()) /
           absl::StrCat("caller_tokens_", getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
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
  EXPECT_TRUE(tokens->Accepts(Bearer(kAlpha)));
  EXPECT_TRUE(tokens->Accepts(Bearer(kBeta)));

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
    EXPECT_FALSE(tokens->Accepts(header)) << "\"" << header << "\"";
  }
}

// RFC 6750 names the scheme "Bearer", and RFC 7235 makes auth schemes
// case-insensitive: clients that send "bearer" are right, so they pass.
TEST_F(CallerTokensTest, SchemeIsCaseInsensitiveAndMaySpanSeveralSpaces) {
  auto tokens = MustLoad(absl::StrCat(kAlpha, "\n"));
  ASSERT_NE(tokens, nullptr);
  for (absl::string_view scheme : {"Bearer", "bearer", "BEARER", "bEaReR"}) {
    EXPECT_TRUE(tokens->Accepts(absl::StrCat(scheme, " ", kAlpha))) << scheme;
  }
  EXPECT_TRUE(tokens->Accepts(absl::StrCat("Bearer   ", kAlpha)));
  EXPECT_FALSE(tokens->Accepts(absl::StrCat("Bearer\t", kAlpha)));
}

TEST_F(CallerTokensTest, SkipsCommentsAndBlankLinesAndTrimsWhitespace) {
  auto tokens = MustLoad(absl::StrCat("# callers of the facade\n", "\n", "   \n", "  ",
                                      kAlpha, "  \n", "\t# ", kGamma, " was revoked\n",
                                      kBeta, "\t"));  // no final newline
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->size(), 2u);
  EXPECT_TRUE(tokens->Accepts(Bearer(kAlpha)));
  EXPECT_TRUE(tokens->Accepts(Bearer(kBeta)));
  EXPECT_FALSE(tokens->Accepts(Bearer(kGamma)));
  EXPECT_FALSE(tokens->Accepts("Bearer # callers of the facade"));
  EXPECT_FALSE(tokens->Accepts("Bearer #"));
}

TEST_F(CallerTokensTest, ReadsFilesWithWindowsLineEndings) {
  auto tokens =
      MustLoad(absl::StrCat("# comment\r\n", kAlpha, "\r\n\r\n", kBeta, "\r\n"));
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->size(), 2u);
  EXPECT_TRUE(tokens->Accepts(Bearer(kAlpha)));
  EXPECT_TRUE(tokens->Accepts(Bearer(kBeta)));
  EXPECT_FALSE(tokens->Accepts(absl::StrCat("Bearer ", kAlpha, "\r")));
}

TEST_F(CallerTokensTest, DuplicateLinesCountOnce) {
  auto tokens = MustLoad(absl::StrCat(kAlpha, "\n", kAlpha, "\n", kBeta, "\n"));
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->size(), 2u);
}

// The pure parser the file loader uses (and the fuzzer drives).
TEST(ParseCallerTokensTest, OneTokenALineTrimmedSortedWithoutCommentsOrDuplicates) {
  EXPECT_THAT(ParseCallerTokens("# comment\r\n  zeta \n\n\talpha\r\nzeta\n#x\nmid dle"),
              ::testing::ElementsAre("alpha", "mid dle", "zeta"));
  EXPECT_THAT(ParseCallerTokens(""), ::testing::IsEmpty());
  EXPECT_THAT(ParseCallerTokens("\n \n# only a comment\n\r\n"), ::testing::IsEmpty());
  // Only a line's first character makes it a comment.
  EXPECT_THAT(ParseCallerTokens("a#b\n"), ::testing::ElementsAre("a#b"));
}

TEST_F(CallerTokensTest, ReplacedFileIsPickedUpAfterTheRecheckIntervalNotBefore) {
  auto tokens = MustLoad(absl::StrCat(kAlpha, "\n"));
  ASSERT_NE(tokens, nullptr);
  ReplaceFile(path_, absl::StrCat(kBeta, "\n", kGamma, "\n"));

  clock_.Advance(CallerTokens::DefaultRecheckInterval() - absl::Milliseconds(1));
  EXPECT_TRUE(tokens->Accepts(Bearer(kAlpha)));
  EXPECT_FALSE(tokens->Accepts(Bearer(kBeta)));
  EXPECT_EQ(tokens->size(), 1u);

  clock_.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(tokens->Accepts(Bearer(kBeta)));
  EXPECT_TRUE(tokens->Accepts(Bearer(kGamma)));
  EXPECT_FALSE(tokens->Accepts(Bearer(kAlpha)));
  EXPECT_EQ(tokens->size(), 2u);
  EXPECT_TRUE(tokens->last_refresh_status().ok());

  // The next look is one interval after the last one, not before.
  ReplaceFile(path_, absl::StrCat(kAlpha, "\n"));
  clock_.Advance(absl::Milliseconds(500));
  EXPECT_TRUE(tokens->Accepts(Bearer(kBeta)));
  clock_.Advance(absl::Milliseconds(500));
  EXPECT_TRUE(tokens->Accepts(Bearer(kAlpha)));
  EXPECT_FALSE(tokens->Accepts(Bearer(kBeta)));
}

TEST_F(CallerTokensTest, FileRewrittenInPlaceIsPickedUp) {
  auto tokens = MustLoad(absl::StrCat(kAlpha, "\n"));
  ASSERT_NE(tokens, nullptr);
  WriteFile(path_, absl::StrCat(kAlpha, "\n", kBeta, "\n"));  // same inode, new size
  tokens->RefreshIfChanged();
  EXPECT_TRUE(tokens->Accepts(Bearer(kBeta)));
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
  EXPECT_TRUE(tokens.Accepts(Bearer(kAlpha)));

  fs::create_directory(second);
  WriteFile(second / "tokens", absl::StrCat(kBeta, "\n"));
  fs::create_directory_symlink(second.filename(), dir_ / "..data_tmp");
  fs::rename(dir_ / "..data_tmp", dir_ / "..data");
  fs::remove_all(first);

  clock_.Advance(absl::Milliseconds(999));
  EXPECT_TRUE(tokens.Accepts(Bearer(kAlpha)));
  EXPECT_FALSE(tokens.Accepts(Bearer(kBeta)));

  clock_.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(tokens.Accepts(Bearer(kBeta)));
  EXPECT_FALSE(tokens.Accepts(Bearer(kAlpha)));
}

TEST_F(CallerTokensTest, VanishedFileKeepsTheLastTokensUntilItComesBack) {
  auto tokens = MustLoad(absl::StrCat(kAlpha, "\n"));
  ASSERT_NE(tokens, nullptr);
  fs::remove(path_);

  clock_.Advance(absl::Seconds(5));
  EXPECT_TRUE(tokens->Accepts(Bearer(kAlpha)));
  EXPECT_EQ(tokens->size(), 1u);
  const absl::Status status = tokens->last_refresh_status();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("--caller_tokens_file"));
  EXPECT_THAT(status.message(), HasSubstr(path_.string()));

  WriteFile(path_, absl::StrCat(kBeta, "\n"));
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(tokens->Accepts(Bearer(kBeta)));
  EXPECT_FALSE(tokens->Accepts(Bearer(kAlpha)));
  EXPECT_TRUE(tokens->last_refresh_status().ok());
}

TEST_F(CallerTokensTest, FileWithoutTokensOrUnreadableKeepsTheLastTokens) {
  auto tokens = MustLoad(absl::StrCat(kAlpha, "\n"));
  ASSERT_NE(tokens, nullptr);

  ReplaceFile(path_, absl::StrCat("# ", kBeta, " is coming\n\n"));
  tokens->RefreshIfChanged();
  EXPECT_TRUE(tokens->Accepts(Bearer(kAlpha)));
  EXPECT_FALSE(tokens->Accepts(Bearer(kBeta)));
  EXPECT_THAT(tokens->last_refresh_status().message(), HasSubstr("holds no token"));
  EXPECT_THAT(tokens->last_refresh_status().message(), Not(HasSubstr(kBeta)));

  // Something that cannot be read as a file (root reads any mode, so a
  // directory stands in for a file without permission).
  fs::remove(path_);
  fs::create_directory(path_);
  tokens->RefreshIfChanged();
  EXPECT_TRUE(tokens->Accepts(Bearer(kAlpha)));
  EXPECT_FALSE(tokens->last_refresh_status().ok());
  EXPECT_THAT(tokens->last_refresh_status().message(), HasSubstr("--caller_tokens_file"));

  // Tried again at the next look, without waiting for another change.
  fs::remove(path_);
  WriteFile(path_, absl::StrCat(kBeta, "\n"));
  tokens->RefreshIfChanged();
  EXPECT_TRUE(tokens->Accepts(Bearer(kBeta)));
  EXPECT_TRUE(tokens->last_refresh_status().ok());
}

TEST_F(CallerTokensTest, ReportsAFailureOnceAndNeverLogsTokens) {
  auto tokens = MustLoad(absl::StrCat(kAlpha, "\n"));
  ASSERT_NE(tokens, nullptr);

  ::testing::internal::CaptureStderr();
  fs::remove(path_);
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(absl::Seconds(1));
    EXPECT_TRUE(tokens->Accepts(Bearer(kAlpha)));
  }
  WriteFile(path_, absl::StrCat(kBeta, "\n", kGamma, "\n"));
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(tokens->Accepts(Bearer(kBeta)));
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

// Accepts() from many threads while the file keeps changing under them and
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
        if (!tokens.Accepts(Bearer(kAlpha))) refused.fetch_add(1);
        if (tokens.Accepts(Bearer(kGamma))) refused.fetch_add(1000);
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    ReplaceFile(path_, i % 2 == 0 ? absl::StrCat(kAlpha, "\n", kBeta, "\n")
                                  : absl::StrCat(kBeta, "\n", kAlpha, "\n# x\n"));
    tokens.RefreshIfChanged();
  }
  stop = true;
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(refused.load(), 0);
  EXPECT_TRUE(tokens.Accepts(Bearer(kBeta)));
}

}  // namespace
}  // namespace gong::auth
