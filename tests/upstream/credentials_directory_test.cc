// CredentialsDirectory and CredentialsFromFiles: which files give which
// credentials (trimmed, Basic over Bearer), what is refused without quoting
// a secret, and the re-reading of a directory that changes the kubelet's
// way (the `..data` symlink swap), that breaks (keeps the last good
// credentials, logs once) and that holds files too large. Time moves only
// by FakeClock::Advance; files live under ::testing::TempDir().
#include "upstream/credentials_directory.h"

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "fakes/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/test_files.h"

namespace gong::upstream {
namespace {

namespace fs = std::filesystem;
using fakes::FakeClock;
using ::testing::HasSubstr;
using ::testing::Not;

// Secret-looking values the tests search for in messages and logs.
constexpr char kTokenA[] = "tok-a-5f1c9e0b";
constexpr char kTokenB[] = "tok-b-77d2a403";
constexpr char kKey[] = "key-c08e1b56";
constexpr char kSecret[] = "secret-9a3d7e21";

std::string BearerHeader(absl::string_view token) {
  return absl::StrCat("Authorization: Bearer ", token);
}

using support::WriteFile;

class CredentialsDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = support::FreshTestDir("gong_credentials"); }
  void TearDown() override { fs::remove_all(dir_); }

  // Lays `files` out as the kubelet does: ..<version>/ holds the files,
  // ..data links to it, and each file name links into ..data. A later
  // version replaces ..data atomically (a new link renamed over it) and
  // leaves the per-file links alone, as the kubelet does.
  void Publish(const std::vector<std::pair<std::string, std::string>>& files) {
    support::PublishAsKubelet(dir_, absl::StrCat("..2026_", ++versions_), files);
  }

  absl::StatusOr<std::unique_ptr<CredentialsDirectory>> Load() {
    return CredentialsDirectory::Load(
        dir_.string(), [this] { return clock_.Now(); }, absl::Seconds(1));
  }

  std::unique_ptr<CredentialsDirectory> MustLoad() {
    auto source = Load();
    EXPECT_TRUE(source.ok()) << source.status();
    return source.ok() ? *std::move(source) : nullptr;
  }

  FakeClock clock_;
  fs::path dir_;
  int versions_ = 0;
};

TEST(CredentialsFromFilesTest, TrimsAndPrefersBasicWhenBothAreComplete) {
  CredentialsFiles files;
  files.bearer_token = absl::StrCat("  ", kTokenA, "\n");
  absl::StatusOr<GongCredentials> bearer = CredentialsFromFiles(files, "dir");
  ASSERT_TRUE(bearer.ok()) << bearer.status();
  EXPECT_EQ(bearer->authorization_header(), BearerHeader(kTokenA));
  EXPECT_EQ(bearer->scheme(), "bearer");

  files.access_key = absl::StrCat(kKey, "\r\n");
  files.access_key_secret = absl::StrCat("\t", kSecret, "\n\n");
  absl::StatusOr<GongCredentials> basic = CredentialsFromFiles(files, "dir");
  ASSERT_TRUE(basic.ok()) << basic.status();
  EXPECT_EQ(basic->authorization_header(),
            absl::StrCat("Authorization: Basic ",
                         absl::Base64Escape(absl::StrCat(kKey, ":", kSecret))));
  EXPECT_EQ(basic->scheme(), "basic");
}

TEST(CredentialsFromFilesTest, RefusesIncompleteOrUnsendableValuesWithoutQuotingThem) {
  struct Row {
    const char* name;
    CredentialsFiles files;
    const char* says;
  };
  const std::vector<Row> rows = {
      {"nothing", CredentialsFiles(), "holds no Gong credentials"},
      {"empty files",
       {std::string("\n"), std::string(" "), std::string("")},
       "holds no Gong credentials"},
      {"key alone", {std::nullopt, std::string(kKey), std::nullopt}, "must both"},
      // Half a key is refused even beside a token, as in the environment.
      {"secret alone beside a token",
       {std::string(kTokenA), std::nullopt, std::string(kSecret)},
       "must both"},
      {"token of two lines",
       {absl::StrCat(kTokenA, "\nX-Injected: ", kTokenB), std::nullopt, std::nullopt},
       "bearer_token"},
      {"token with a space",
       {absl::StrCat(kTokenA, " ", kTokenB), std::nullopt, std::nullopt},
       "bearer_token"},
      {"token with a NUL",
       {absl::StrCat(kTokenA, std::string(1, '\0'), kTokenB), std::nullopt, std::nullopt},
       "bearer_token"},
      {"key with a colon",
       {std::nullopt, absl::StrCat(kKey, ":x"), std::string(kSecret)},
       "access_key"},
      {"secret not ASCII",
       {std::nullopt, std::string(kKey), absl::StrCat(kSecret, "\xc3\xa9")},
       "access_key_secret"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    absl::StatusOr<GongCredentials> credentials =
        CredentialsFromFiles(row.files, "--gong_credentials_dir \"d\"");
    ASSERT_FALSE(credentials.ok());
    const std::string message(credentials.status().message());
    EXPECT_THAT(message, HasSubstr("--gong_credentials_dir"));
    EXPECT_THAT(message, HasSubstr(row.says));
    for (const char* secret : {kTokenA, kTokenB, kKey, kSecret}) {
      EXPECT_THAT(message, Not(HasSubstr(secret)));
    }
  }
}

TEST_F(CredentialsDirectoryTest, LoadsPlainFilesAndTheKubeletsLayout) {
  WriteFile(dir_ / "bearer_token", absl::StrCat(kTokenA, "\n"));
  auto plain = MustLoad();
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->Current().credentials->authorization_header(), BearerHeader(kTokenA));
  EXPECT_EQ(plain->Current().generation, 1u);

  fs::remove(dir_ / "bearer_token");
  Publish({{"access_key", kKey}, {"access_key_secret", kSecret}});
  auto kubelet = MustLoad();
  ASSERT_NE(kubelet, nullptr);
  EXPECT_EQ(kubelet->Current().credentials->scheme(), "basic");
}

TEST_F(CredentialsDirectoryTest, LoadFailsNamingTheFlagAndNeverASecret) {
  absl::StatusOr<std::unique_ptr<CredentialsDirectory>> empty = Load();
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("--gong_credentials_dir"));
  EXPECT_THAT(empty.status().message(), HasSubstr(dir_.string()));

  WriteFile(dir_ / "access_key", kKey);
  absl::StatusOr<std::unique_ptr<CredentialsDirectory>> half = Load();
  ASSERT_FALSE(half.ok());
  EXPECT_THAT(half.status().message(), HasSubstr("access_key_secret"));
  EXPECT_THAT(half.status().message(), Not(HasSubstr(kKey)));

  absl::StatusOr<std::unique_ptr<CredentialsDirectory>> missing =
      CredentialsDirectory::Load((dir_ / "absent").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("--gong_credentials_dir"));
  EXPECT_THAT(missing.status().message(), HasSubstr("cannot open"));
  absl::StatusOr<std::unique_ptr<CredentialsDirectory>> file =
      CredentialsDirectory::Load((dir_ / "access_key").string());
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("is not a directory"));
  EXPECT_FALSE(CredentialsDirectory::Load("").ok());
}

TEST_F(CredentialsDirectoryTest, RefusesFilesTooLargeAndThingsThatAreNotFiles) {
  WriteFile(dir_ / "bearer_token",
            std::string(CredentialsDirectory::kMaxFileBytes + 1, 'a'));
  absl::StatusOr<std::unique_ptr<CredentialsDirectory>> large = Load();
  ASSERT_FALSE(large.ok());
  EXPECT_THAT(large.status().message(), HasSubstr("larger than"));
  EXPECT_THAT(large.status().message(), HasSubstr("bearer_token"));

  // Exactly at the bound is fine.
  WriteFile(dir_ / "bearer_token", std::string(CredentialsDirectory::kMaxFileBytes, 'a'));
  EXPECT_TRUE(Load().ok());

  // A directory where a file should be is a broken Secret, not an absent
  // file: refused even though the other files would be complete.
  fs::remove(dir_ / "bearer_token");
  fs::create_directory(dir_ / "bearer_token");
  WriteFile(dir_ / "access_key", kKey);
  WriteFile(dir_ / "access_key_secret", kSecret);
  absl::StatusOr<std::unique_ptr<CredentialsDirectory>> odd = Load();
  ASSERT_FALSE(odd.ok());
  EXPECT_THAT(odd.status().message(), HasSubstr("bearer_token"));

  // A FIFO with no writer must not hang the server at open().
  fs::remove(dir_ / "bearer_token");
  ASSERT_EQ(mkfifo((dir_ / "bearer_token").c_str(), 0600), 0);
  absl::StatusOr<std::unique_ptr<CredentialsDirectory>> fifo = Load();
  ASSERT_FALSE(fifo.ok());
  EXPECT_THAT(fifo.status().message(), HasSubstr("not a regular file"));
}

TEST_F(CredentialsDirectoryTest, KubeletSwapIsSeenAfterTheRecheckIntervalNotBefore) {
  Publish({{"bearer_token", absl::StrCat(kTokenA, "\n")}});
  auto source = MustLoad();
  ASSERT_NE(source, nullptr);

  Publish({{"bearer_token", absl::StrCat(kTokenB, "\n")}});
  clock_.Advance(absl::Milliseconds(999));
  EXPECT_EQ(source->Current().credentials->authorization_header(), BearerHeader(kTokenA));
  EXPECT_EQ(source->Current().generation, 1u);

  clock_.Advance(absl::Milliseconds(1));
  const CredentialsSnapshot now = source->Current();
  EXPECT_EQ(now.credentials->authorization_header(), BearerHeader(kTokenB));
  EXPECT_EQ(now.generation, 2u);
}

TEST_F(CredentialsDirectoryTest, ReloadNowLooksAtOnceAndBumpsOnlyOnARealChange) {
  Publish({{"bearer_token", kTokenA}});
  auto source = MustLoad();
  ASSERT_NE(source, nullptr);

  // Same credentials in a new version (the kubelet republishing): no new
  // generation, so nothing would be sent again for it.
  Publish({{"bearer_token", absl::StrCat(kTokenA, "\n")}});
  EXPECT_EQ(source->ReloadNow().generation, 1u);

  // From Bearer to Basic, with no time passing.
  Publish({{"bearer_token", ""}, {"access_key", kKey}, {"access_key_secret", kSecret}});
  const CredentialsSnapshot now = source->ReloadNow();
  EXPECT_EQ(now.credentials->scheme(), "basic");
  EXPECT_EQ(now.generation, 2u);
}

TEST_F(CredentialsDirectoryTest, BrokenDirectoryKeepsTheLastGoodCredentialsAndLogsOnce) {
  Publish({{"bearer_token", kTokenA}});
  auto source = MustLoad();
  ASSERT_NE(source, nullptr);

  ::testing::internal::CaptureStderr();
  // Incomplete: a version without the file (its link now dangles).
  fs::create_directory(dir_ / "..2026_empty");
  fs::create_directory_symlink("..2026_empty", dir_ / "..data_tmp");
  fs::rename(dir_ / "..data_tmp", dir_ / "..data");
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(absl::Seconds(1));
    EXPECT_EQ(source->Current().credentials->authorization_header(),
              BearerHeader(kTokenA));
    EXPECT_EQ(source->ReloadNow().generation, 1u);
  }
  EXPECT_THAT(source->last_refresh_status().message(), HasSubstr("no Gong credentials"));

  // Unreadable (root reads any mode, so a directory stands in for a file
  // without permission): a different problem, logged once more.
  Publish({{"bearer_token", kTokenB}});
  fs::remove(dir_ / absl::StrCat("..2026_", versions_) / "bearer_token");
  fs::create_directory(dir_ / absl::StrCat("..2026_", versions_) / "bearer_token");
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(absl::Seconds(1));
    EXPECT_EQ(source->Current().credentials->authorization_header(),
              BearerHeader(kTokenA));
  }
  EXPECT_THAT(source->last_refresh_status().message(), HasSubstr("not a regular file"));

  // Repaired with new credentials: in force at the next look.
  Publish({{"bearer_token", kTokenB}});
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(source->Current().credentials->authorization_header(), BearerHeader(kTokenB));
  EXPECT_TRUE(source->last_refresh_status().ok());
  const std::string logged = ::testing::internal::GetCapturedStderr();

  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = logged.find(what); at != std::string::npos;
         at = logged.find(what, at + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count("no Gong credentials"), 1u) << logged;
  EXPECT_EQ(count("not a regular file"), 1u) << logged;
  EXPECT_EQ(count("changed: new bearer credentials"), 1u) << logged;
  EXPECT_THAT(logged, HasSubstr("keeping the bearer credentials")) << logged;
  for (const char* secret : {kTokenA, kTokenB}) {
    EXPECT_THAT(logged, Not(HasSubstr(secret)));
  }
}

TEST_F(CredentialsDirectoryTest, TooLargeFileAfterStartKeepsTheLastGoodCredentials) {
  Publish({{"bearer_token", kTokenA}});
  auto source = MustLoad();
  ASSERT_NE(source, nullptr);
  Publish({{"bearer_token", std::string(CredentialsDirectory::kMaxFileBytes + 1, 'b')}});
  EXPECT_EQ(source->ReloadNow().credentials->authorization_header(),
            BearerHeader(kTokenA));
  EXPECT_THAT(source->last_refresh_status().message(), HasSubstr("larger than"));
}

// Current() from several threads while the directory keeps being swapped
// and every call looks at it (interval zero): each snapshot is one of the
// versions published, whole, and generations never go back. Meant for the
// thread sanitizer build as well.
TEST_F(CredentialsDirectoryTest, ConcurrentReadsDuringSwaps) {
  Publish({{"bearer_token", kTokenA}});
  absl::StatusOr<std::unique_ptr<CredentialsDirectory>> loaded =
      CredentialsDirectory::Load(
          dir_.string(), [] { return absl::Now(); }, absl::ZeroDuration());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  CredentialsDirectory& source = **loaded;

  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      uint64_t last = 0;
      while (!stop.load()) {
        const CredentialsSnapshot s =
            (t % 2 == 0) ? source.Current() : source.ReloadNow();
        const std::string& header = s.credentials->authorization_header();
        if ((header != BearerHeader(kTokenA) && header != BearerHeader(kTokenB)) ||
            s.generation < last) {
          ++wrong;
        }
        last = s.generation;
      }
    });
  }
  ::testing::internal::CaptureStderr();  // a line per change
  for (int i = 0; i < 200; ++i) Publish({{"bearer_token", i % 2 ? kTokenA : kTokenB}});
  stop = true;
  for (std::thread& reader : readers) reader.join();
  ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace gong::upstream
