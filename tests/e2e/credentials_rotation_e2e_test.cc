// Gong's credentials from a directory laid out as the kubelet mounts a
// Secret (--gong_credentials_dir), on the real binary: rotated while calls
// run, with Gong (the sandbox) refusing the old token once told to, and no
// call failing; new credentials Gong refuses too reach the caller as
// Gong's 401 after one resend at most; a directory that breaks keeps the
// credentials in force; and the start-up refusals (an incomplete
// directory, the directory beside the environment's credentials), none of
// which prints a secret.

#include <atomic>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "facade_test_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server_process.h"
#include "support/test_files.h"
#include "support/wait_until.h"

namespace gong::e2e {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kOldToken[] = "old-tok-3e81b7c2";
constexpr char kNewToken[] = "new-tok-a4f09d15";

std::string Bearer(absl::string_view token) { return absl::StrCat("Bearer ", token); }

class CredentialsRotationTest : public ServerProcess {
 protected:
  void SetUp() override {
    ServerProcess::SetUp();
    dir_ = support::FreshTestDir("gong_credentials_e2e");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A new version of the Secret, published the kubelet's way: the files in
  // ..2026_<name>/, then a new ..data link renamed over the old one (one
  // atomic step); the per-file links into ..data are made once.
  void Publish(const std::string& name,
               const std::vector<std::pair<std::string, std::string>>& files) {
    support::PublishAsKubelet(dir_, absl::StrCat("..2026_", name), files);
  }

  // Gong accepts `token` only, and takes every unassign (so that any id
  // can be unassigned, over and over).
  void GongAcceptsOnly(absl::string_view token) {
    sandbox::Behavior behavior;
    behavior.assume_assigned = true;
    behavior.accepted_authorization = Bearer(token);
    sandbox_->SetBehavior(behavior);
  }

  // Gong accepts any token (still taking every unassign).
  void GongAcceptsAny() {
    sandbox::Behavior behavior;
    behavior.assume_assigned = true;
    sandbox_->SetBehavior(behavior);
  }

  void StartWithDirectory() {
    StartServer(kNoCredentials,
                {"--gong_credentials_dir=" + dir_.string(), "--gong_qps=50"});
  }

  fs::path dir_;
};

// Calls from a few threads, each call waiting for the one before it, until
// Stop(); every status that is not OK is kept.
class ContinuousCalls {
 public:
  // `call` unassigns the id it is given (thread-safe: a gRPC stub is).
  ContinuousCalls(std::function<grpc::Status(const std::string&)> call, int threads)
      : call_(std::move(call)) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, t] {
        for (int n = 0; !stop_.load(); ++n) {
          const grpc::Status status = call_(absl::StrCat(2'000'000 + t * 100'000 + n));
          ++calls_;
          if (!status.ok()) {
            absl::MutexLock lock(&mu_);
            failures_.push_back(
                absl::StrCat(status.error_code(), " ", status.error_message()));
          }
        }
      });
    }
  }
  ~ContinuousCalls() { Stop(); }

  void Stop() {
    stop_ = true;
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  int calls() const { return calls_.load(); }
  std::vector<std::string> failures() {
    absl::MutexLock lock(&mu_);
    return failures_;
  }

 private:
  const std::function<grpc::Status(const std::string&)> call_;
  std::atomic<bool> stop_{false};
  std::atomic<int> calls_{0};
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  std::vector<std::string> failures_ ABSL_GUARDED_BY(mu_);
};

// The steps the issue names: calls run; the Secret is rotated; THEN Gong
// refuses the old token. Requests already sent (or sent before the
// facade's next look) with the old token get Gong's 401, the facade
// reloads at once and sends them again with the new one: no caller sees a
// failure, and the process is never restarted.
TEST_F(CredentialsRotationTest, RotatedWhileCallsRunWithoutAFailedCall) {
  Publish("x", {{"bearer_token", absl::StrCat(kOldToken, "\n")}});
  GongAcceptsOnly(kOldToken);
  StartWithDirectory();
  const pid_t pid = server_->pid();

  ContinuousCalls calls([this](const std::string& id) { return Call(id); }, 3);
  ASSERT_TRUE(support::WaitUntil([&] { return calls.calls() >= 20; }))
      << server_->Stderr();

  // As a Gong admin rotates: the new token works before the old one is
  // revoked. (Were the old one alone accepted until the switch, a look at
  // the directory landing between the two steps would send the new token
  // to a Gong that refuses it, which no facade can help.)
  GongAcceptsAny();
  Publish("y", {{"bearer_token", absl::StrCat(kNewToken, "\n")}});
  GongAcceptsOnly(kNewToken);
  const int64_t switched = sandbox_->RequestCount();

  auto with_new_token = [&] {
    int n = 0;
    for (const sandbox::RecordedRequest& r : sandbox_->Requests()) {
      if (r.authorization == Bearer(kNewToken)) ++n;
    }
    return n;
  };
  ASSERT_TRUE(support::WaitUntil([&] { return with_new_token() >= 20; }))
      << server_->Stderr();
  const int before_stop = calls.calls();
  ASSERT_TRUE(support::WaitUntil([&] { return calls.calls() >= before_stop + 10; }));
  calls.Stop();

  EXPECT_THAT(calls.failures(), IsEmpty());
  EXPECT_EQ(server_->pid(), pid);
  // Gong refused the old token at least once after the switch: the resend
  // path ran (a request counted after SetBehavior saw the new behaviour).
  const std::vector<sandbox::RecordedRequest> requests = sandbox_->Requests();
  ASSERT_EQ(static_cast<int64_t>(requests.size()), sandbox_->RequestCount());
  int refused = 0;
  for (size_t i = static_cast<size_t>(switched); i < requests.size(); ++i) {
    if (requests[i].authorization == Bearer(kOldToken)) ++refused;
  }
  EXPECT_GE(refused, 1);
  // What the run did, for whoever reads the test's output.
  std::cout << "rotation: " << calls.calls() << " calls, " << calls.failures().size()
            << " failed; Gong refused the old token " << refused
            << " times after the switch, each resent with the new one\n";

  // One line for the change, naming the scheme; no token anywhere.
  EXPECT_TRUE(server_->WaitForOutput("credentials for Gong in force", absl::Seconds(5)));
  const std::string err = server_->Stderr();
  EXPECT_THAT(err, Not(HasSubstr(kOldToken)));
  EXPECT_THAT(err, Not(HasSubstr(kNewToken)));
  int changes = 0;
  for (const nlohmann::json& line : LogLines()) {
    if (absl::StrContains(line.value("msg", ""), "credentials for Gong in force")) {
      ++changes;
      EXPECT_EQ(line.value("gong_auth", ""), "bearer");
      std::cout << line.dump() << "\n";
    }
  }
  EXPECT_EQ(changes, 1);
}

// A Secret updated into something unusable (a version without the file,
// then one whose file cannot be read) keeps the credentials in force: calls
// go on with them, and each problem is logged.
TEST_F(CredentialsRotationTest, ABrokenDirectoryKeepsTheCredentialsInForce) {
  Publish("x", {{"bearer_token", kOldToken}});
  GongAcceptsOnly(kOldToken);
  StartWithDirectory();
  ASSERT_TRUE(Call("1001").ok());

  Publish("empty", {});
  // The facade looks at the directory when a call needs the credentials.
  ASSERT_TRUE(support::WaitUntil(
      [&] {
        EXPECT_TRUE(Call("1002").ok());
        return absl::StrContains(server_->Stderr(), "holds no Gong credentials");
      },
      absl::Seconds(20), absl::Milliseconds(200)))
      << server_->Stderr();

  // Root reads any mode, so a directory stands in for a file without
  // permission.
  fs::create_directory(dir_ / "..2026_odd");
  fs::create_directory(dir_ / "..2026_odd" / "bearer_token");
  fs::create_directory_symlink("..2026_odd", dir_ / "..data_tmp");
  fs::rename(dir_ / "..data_tmp", dir_ / "..data");
  ASSERT_TRUE(support::WaitUntil(
      [&] {
        EXPECT_TRUE(Call("1003").ok());
        return absl::StrContains(server_->Stderr(), "not a regular file");
      },
      absl::Seconds(20), absl::Milliseconds(200)))
      << server_->Stderr();

  for (const sandbox::RecordedRequest& r : sandbox_->Requests()) {
    EXPECT_EQ(r.authorization, Bearer(kOldToken));
  }
  EXPECT_THAT(server_->Stderr(), Not(HasSubstr(kOldToken)));
}

// New credentials that Gong refuses too: the request is sent at most once
// more, and the caller gets Gong's refusal as before the rotation existed.
TEST_F(CredentialsRotationTest, NewCredentialsGongAlsoRefusesReachTheCaller) {
  Publish("x", {{"bearer_token", kOldToken}});
  GongAcceptsOnly(kOldToken);
  StartWithDirectory();
  ASSERT_TRUE(Call("1001").ok());

  GongAcceptsOnly("tok-nobody-has");
  Publish("y", {{"bearer_token", kNewToken}});
  const int64_t before = sandbox_->RequestCount();
  const grpc::Status status = Call("1002");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Reason(status), "GONG_UNAUTHENTICATED");
  // Sent with the new token at once (the facade had looked again), or with
  // the old one and then once more with the new: never a third time.
  const int64_t sent = sandbox_->RequestCount() - before;
  EXPECT_GE(sent, 1);
  EXPECT_LE(sent, 2);
  EXPECT_EQ(sandbox_->Requests().back().authorization, Bearer(kNewToken));
  EXPECT_THAT(status.error_message(), Not(HasSubstr(kNewToken)));
}

TEST_F(CredentialsRotationTest, RefusesToStartWithAnIncompleteDirectory) {
  Publish("x", {{"access_key", kOldToken}});
  Subprocess server({GONG_FLOWS_SERVER_BIN, "--listen=127.0.0.1:0",
                     "--metrics_listen=", "--gong_credentials_dir=" + dir_.string()},
                    kNoCredentials);
  EXPECT_EQ(server.Wait(absl::Seconds(20)), 2);
  EXPECT_THAT(server.Stderr(), HasSubstr("--gong_credentials_dir"));
  EXPECT_THAT(server.Stderr(), HasSubstr("access_key_secret"));
  EXPECT_THAT(server.Stderr(), Not(HasSubstr(kOldToken)));
}

TEST_F(CredentialsRotationTest, RefusesToStartWithTheDirectoryAndTheEnvironmentBoth) {
  Publish("x", {{"bearer_token", kOldToken}});
  std::map<std::string, std::string> env = kNoCredentials;
  env["GONG_BEARER_TOKEN"] = kNewToken;
  // The flag as its variable, the way the manifests give it.
  env["GONG_FLOWS_GONG_CREDENTIALS_DIR"] = dir_.string();
  Subprocess server({GONG_FLOWS_SERVER_BIN, "--listen=127.0.0.1:0", "--metrics_listen="},
                    env);
  EXPECT_EQ(server.Wait(absl::Seconds(20)), 2);
  EXPECT_THAT(server.Stderr(), HasSubstr("--gong_credentials_dir"));
  EXPECT_THAT(server.Stderr(), HasSubstr("GONG_BEARER_TOKEN"));
  EXPECT_THAT(server.Stderr(), Not(HasSubstr(kNewToken)));
  EXPECT_THAT(server.Stderr(), Not(HasSubstr(kOldToken)));
}

}  // namespace
}  // namespace gong::e2e
