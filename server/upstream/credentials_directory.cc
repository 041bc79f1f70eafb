// CredentialsDirectory: reading a mounted Secret's credential files, and
// watching them for changes.
#include "upstream/credentials_directory.h"

#include <sys/stat.h>

#include <cerrno>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/log.h"

namespace gong::upstream {
namespace {

// In the order of CredentialsFiles and of CredentialsDirectory::Identity.
constexpr absl::string_view kFileNames[] = {"bearer_token", "access_key",
                                            "access_key_secret"};

std::string FlagAndDir(absl::string_view dir) {
  return absl::StrCat("--gong_credentials_dir \"", dir, "\"");
}

std::string PathOf(absl::string_view dir, absl::string_view name) {
  return absl::StrCat(dir, "/", name);
}

// A value sent in the Authorization header: visible ASCII only, so that no
// byte of a file (a stray '\r', a second line) can end the header or add
// one.
bool Sendable(absl::string_view value) {
  for (const char c : value) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// A file's value: trimmed, and absent when nothing is left.
std::optional<absl::string_view> Value(const std::optional<std::string>& file) {
  if (!file.has_value()) return std::nullopt;
  absl::string_view value = absl::StripAsciiWhitespace(*file);
  if (value.empty()) return std::nullopt;
  return value;
}

}  // namespace

absl::StatusOr<GongCredentials> CredentialsFromFiles(const CredentialsFiles& files,
                                                     absl::string_view what) {
  const std::optional<absl::string_view> token = Value(files.bearer_token);
  const std::optional<absl::string_view> key = Value(files.access_key);
  const std::optional<absl::string_view> secret = Value(files.access_key_secret);
  auto unsendable = [&](absl::string_view file) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", file,
                     " holds a character that cannot be sent to Gong (only "
                     "visible ASCII, no spaces inside)"));
  };
  if (key.has_value() != secret.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what,
                     ": access_key and access_key_secret must both be present, "
                     "and not empty"));
  }
  if (key.has_value()) {
    if (!Sendable(*key) || key->find(':') != absl::string_view::npos) {
      return unsendable("access_key");
    }
    if (!Sendable(*secret)) return unsendable("access_key_secret");
    return GongCredentials::Basic(*key, *secret);
  }
  if (token.has_value()) {
    if (!Sendable(*token)) return unsendable("bearer_token");
    return GongCredentials::Bearer(*token);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(what,
                   " holds no Gong credentials: it needs the file bearer_token, "
                   "or the files access_key and access_key_secret"));
}

CredentialsDirectory::CredentialsDirectory(std::string dir,
                                           std::function<absl::Time()> now,
                                           absl::Duration recheck_interval)
    : dir_(std::move(dir)), now_(std::move(now)), recheck_interval_(recheck_interval) {}

absl::StatusOr<std::unique_ptr<CredentialsDirectory>> CredentialsDirectory::Load(
    std::string dir) {
  return Load(std::move(dir), &absl::Now, DefaultRecheckInterval());
}

absl::StatusOr<std::unique_ptr<CredentialsDirectory>> CredentialsDirectory::Load(
    std::string dir, std::function<absl::Time()> now, absl::Duration recheck_interval) {
  if (dir.empty()) return absl::InvalidArgumentError("--gong_credentials_dir is empty");
  absl::StatusOr<Loaded> loaded = Read(dir);
  if (!loaded.ok()) return loaded.status();
  const absl::Time start = now();
  auto source = absl::WrapUnique(
      new CredentialsDirectory(std::move(dir), std::move(now), recheck_interval));
  {
    absl::MutexLock refresh_lock(&source->refresh_mu_);
    source->identity_ = loaded->identity;
  }
  absl::MutexLock lock(&source->mu_);
  source->snapshot_.credentials =
      std::make_shared<const GongCredentials>(std::move(loaded->credentials));
  source->snapshot_.generation = 1;
  source->next_check_ = start + recheck_interval;
  return source;
}

CredentialsDirectory::Identity CredentialsDirectory::LookAt(const std::string& dir) {
  Identity identity;
  for (size_t i = 0; i < identity.size(); ++i) {
    identity[i] = base::IdentityOf(PathOf(dir, kFileNames[i]));
  }
  return identity;
}

absl::StatusOr<CredentialsDirectory::Loaded> CredentialsDirectory::Read(
    const std::string& dir) {
  // Said apart from "no credentials": a mount gone, or a path that is a
  // file, is a different mistake.
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat(FlagAndDir(dir), ": cannot open"));
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(FlagAndDir(dir), " is not a directory"));
  }
  std::optional<std::string>* texts[3];
  CredentialsFiles files;
  texts[0] = &files.bearer_token;
  texts[1] = &files.access_key;
  texts[2] = &files.access_key_secret;
  Identity identity;
  for (size_t i = 0; i < identity.size(); ++i) {
    const std::string what = absl::StrCat(FlagAndDir(dir), ": ", kFileNames[i]);
    absl::StatusOr<base::SmallFile> file =
        base::ReadSmallFile(PathOf(dir, kFileNames[i]), kMaxFileBytes, what);
    if (file.ok()) {
      identity[i] = file->identity;
      *texts[i] = std::move(file->text);
    } else if (!absl::IsNotFound(file.status())) {
      // Only a file that is not there is absent: one that cannot be read
      // (permissions, a directory in its place) is a broken Secret.
      return file.status();
    }
  }
  absl::StatusOr<GongCredentials> credentials =
      CredentialsFromFiles(files, FlagAndDir(dir));
  if (!credentials.ok()) return credentials.status();
  return Loaded{*std::move(credentials), identity};
}

void CredentialsDirectory::RefreshIfChanged() {
  absl::MutexLock refresh_lock(&refresh_mu_);

  absl::Status status;
  std::shared_ptr<const GongCredentials> loaded;
  // Unchanged: nothing to read, and if an earlier look failed (a file was
  // briefly gone and is back as it was), the credentials in force are right
  // again.
  if (LookAt(dir_) != identity_) {
    absl::StatusOr<Loaded> read = Read(dir_);
    if (read.ok()) {
      identity_ = read->identity;
      loaded = std::make_shared<const GongCredentials>(std::move(read->credentials));
    } else {
      status = read.status();
    }
  }

  absl::Status previous;
  bool changed = false;
  std::string scheme;
  {
    absl::MutexLock lock(&mu_);
    previous = status_;
    status_ = status;
    // A file rewritten with the same credentials is no change: requests
    // sent with them are not sent again after a 401.
    if (loaded != nullptr &&
        loaded->authorization_header() != snapshot_.credentials->authorization_header()) {
      snapshot_.credentials = loaded;
      ++snapshot_.generation;
      changed = true;
    }
    scheme = std::string(snapshot_.credentials->scheme());
  }

  // Only transitions are logged, so a directory that stays broken is
  // reported once rather than every second.
  if (!status.ok()) {
    if (status != previous) {
      base::LogError(absl::StrCat(status.message(), "; keeping the ", scheme,
                                  " credentials loaded before"),
                     {{"gong_auth", scheme}});
    }
  } else if (changed) {
    base::LogInfo(absl::StrCat(FlagAndDir(dir_), " changed: new ", scheme,
                               " credentials for Gong in force"),
                  {{"gong_auth", scheme}});
  } else if (!previous.ok()) {
    base::LogInfo(absl::StrCat(FlagAndDir(dir_), " is complete again"),
                  {{"gong_auth", scheme}});
  }
}

CredentialsSnapshot CredentialsDirectory::Current() {
  const absl::Time now = now_();
  bool look = false;
  {
    absl::MutexLock lock(&mu_);
    if (now >= next_check_) {
      next_check_ = now + recheck_interval_;
      look = true;
    }
  }
  if (look) RefreshIfChanged();
  absl::MutexLock lock(&mu_);
  return snapshot_;
}

CredentialsSnapshot CredentialsDirectory::ReloadNow() {
  RefreshIfChanged();
  absl::MutexLock lock(&mu_);
  return snapshot_;
}

absl::Status CredentialsDirectory::last_refresh_status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

}  // namespace gong::upstream
