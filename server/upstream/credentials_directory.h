// Gong's credentials from a directory as Kubernetes mounts a Secret
// (--gong_credentials_dir): the file `bearer_token`, or the files
// `access_key` and `access_key_secret`. The directory is watched the way
// the caller tokens file is (base/watched_file.h): each file's identity
// through its symlinks, so that the kubelet's atomic swap of `..data` is
// seen, at most one look a recheck interval, made by the thread that asks
// for the credentials (no thread of its own), and at once when Gong refused
// the credentials in force (ReloadNow).
//
// The credentials are secrets: nothing here logs them or puts them in a
// status; a change is logged with its scheme only.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/watched_file.h"
#include "upstream/credentials.h"
#include "upstream/credentials_source.h"

namespace gong::upstream {

// What the files of a credentials directory held: nullopt for a file that
// is not there.
struct CredentialsFiles {
  std::optional<std::string> bearer_token;
  std::optional<std::string> access_key;
  std::optional<std::string> access_key_secret;
};

// The credentials `files` make, each file's surrounding whitespace (a final
// newline included) ignored and a file left empty taken as absent: Basic
// when the access key and its secret are both there (it wins over a bearer
// token, as in the environment), else Bearer. Refuses half an access key,
// no credentials at all, and values that cannot be sent in a header (not
// visible ASCII, or a key with ':'). Messages start with `what` and name
// the files, never their contents. Pure, for tests.
absl::StatusOr<GongCredentials> CredentialsFromFiles(const CredentialsFiles& files,
                                                     absl::string_view what);

class CredentialsDirectory final : public CredentialsSource {
 public:
  // A stat() of three files a second is nothing, and the kubelet itself
  // takes up to a minute to propagate a Secret.
  static absl::Duration DefaultRecheckInterval() { return absl::Seconds(1); }
  // No credential file is anywhere near this; a larger one is the wrong file.
  static constexpr size_t kMaxFileBytes = 64 << 10;

  // Loads `dir` now; fails, naming --gong_credentials_dir and the
  // directory, when it holds no complete set. `now` gives the time for the
  // recheck interval (tests pass a fake clock's).
  static absl::StatusOr<std::unique_ptr<CredentialsDirectory>> Load(std::string dir);
  static absl::StatusOr<std::unique_ptr<CredentialsDirectory>> Load(
      std::string dir, std::function<absl::Time()> now, absl::Duration recheck_interval);

  CredentialsDirectory(const CredentialsDirectory&) = delete;
  CredentialsDirectory& operator=(const CredentialsDirectory&) = delete;

  CredentialsSnapshot Current() override;
  CredentialsSnapshot ReloadNow() override;

  // Re-reads the directory if any of its files changed since the last
  // look. A directory that is unreadable, incomplete or wrong keeps the last
  // good credentials; the problem is logged once (until it changes, or the
  // directory loads again). Called by Current and ReloadNow, and by tests.
  void RefreshIfChanged();

  // OK, or why the last look could not load the directory (the earlier
  // credentials are still in force then). Never holds a secret.
  absl::Status last_refresh_status() const;

 private:
  // The identities of the three files (nullopt: none there), in the order
  // of CredentialsFiles. The credentials in force were read from these.
  using Identity = std::array<std::optional<base::FileIdentity>, 3>;
  struct Loaded {
    GongCredentials credentials;
    Identity identity;
  };

  CredentialsDirectory(std::string dir, std::function<absl::Time()> now,
                       absl::Duration recheck_interval);

  static Identity LookAt(const std::string& dir);
  static absl::StatusOr<Loaded> Read(const std::string& dir);

  const std::string dir_;
  const std::function<absl::Time()> now_;
  const absl::Duration recheck_interval_;

  // Serializes looks at the directory, so that its I/O never runs under
  // mu_ and never blocks Current() on other threads.
  absl::Mutex refresh_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  // What the credentials in force were read from. Not updated by a failed
  // look, so the directory is read again at the next look.
  Identity identity_ ABSL_GUARDED_BY(refresh_mu_);

  mutable absl::Mutex mu_;
  CredentialsSnapshot snapshot_ ABSL_GUARDED_BY(mu_);
  absl::Time next_check_ ABSL_GUARDED_BY(mu_);
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gong::upstream
