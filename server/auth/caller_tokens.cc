// CallerTokens: reading the tokens file, watching it for changes, and the
// constant-time check of a call's bearer token.
#include "auth/caller_tokens.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/log.h"

namespace gong::auth {
namespace {

// A tokens file is a few lines; anything bigger is the wrong file, and
// reading it whole would cost memory on every change.
constexpr off_t kMaxFileBytes = 1 << 20;

std::string FlagAndPath(absl::string_view path) {
  return absl::StrCat("--caller_tokens_file \"", path, "\"");
}

// Equal contents, in a time that depends only on the lengths: every byte is
// looked at, and the volatile accumulator keeps the compiler from turning
// the loop back into an early-exit memcmp.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;  // lengths may leak (documented)
  volatile unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = diff | static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

// The credentials of "Bearer <token>": the scheme in any case (RFC 7235
// section 2.1), then one or more spaces. False for any other scheme, or
// for no token at all.
bool BearerToken(absl::string_view header, absl::string_view* token) {
  constexpr absl::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(header.substr(0, kScheme.size()), kScheme) ||
      header[kScheme.size()] != ' ') {
    return false;
  }
  header.remove_prefix(kScheme.size());
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  *token = header;
  return !header.empty();
}

}  // namespace

std::vector<std::string> ParseCallerTokens(absl::string_view text) {
  std::vector<std::string> tokens;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    // StripAsciiWhitespace also takes the '\r' of files written on Windows.
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    tokens.emplace_back(line);
  }
  // Duplicates would only make every check longer.
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  return tokens;
}

bool CallerTokens::FileIdentity::operator==(const FileIdentity& other) const {
  return inode == other.inode && device == other.device &&
         mtime.tv_sec == other.mtime.tv_sec && mtime.tv_nsec == other.mtime.tv_nsec &&
         size == other.size;
}

CallerTokens::CallerTokens(std::string path, base::Clock* clock,
                           absl::Duration recheck_interval)
    : path_(std::move(path)), clock_(clock), recheck_interval_(recheck_interval) {}

absl::StatusOr<std::unique_ptr<CallerTokens>> CallerTokens::Load(std::string path,
                                                                 base::Clock* clock) {
  return Load(std::move(path), clock, DefaultRecheckInterval());
}

absl::StatusOr<std::unique_ptr<CallerTokens>> CallerTokens::Load(
    std::string path, base::Clock* clock, absl::Duration recheck_interval) {
  if (path.empty()) {
    return absl::InvalidArgumentError("--caller_tokens_file is empty");
  }
  absl::StatusOr<FileContents> contents = ReadFile(path);
  if (!contents.ok()) return contents.status();
  auto tokens =
      absl::WrapUnique(new CallerTokens(std::move(path), clock, recheck_interval));
  {
    absl::MutexLock refresh_lock(&tokens->refresh_mu_);
    tokens->identity_ = contents->identity;
  }
  absl::MutexLock lock(&tokens->mu_);
  tokens->tokens_ =
      std::make_shared<const std::vector<std::string>>(std::move(contents->tokens));
  tokens->next_check_ = clock->Now() + recheck_interval;
  return tokens;
}

absl::StatusOr<CallerTokens::FileContents> CallerTokens::ReadFile(
    const std::string& path) {
  // O_NONBLOCK: a FIFO given by mistake must not hang the server at open().
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat(FlagAndPath(path), ": cannot open"));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { close(fd); }
  } closer{fd};

  struct stat st;
  if (fstat(fd, &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat(FlagAndPath(path), ": cannot stat"));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(FlagAndPath(path), " is not a regular file"));
  }
  if (st.st_size > kMaxFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(FlagAndPath(path), " is larger than ", kMaxFileBytes, " bytes"));
  }

  std::string text;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, absl::StrCat(FlagAndPath(path), ": cannot read"));
    }
    text.append(buffer, static_cast<size_t>(n));
    // The file may grow after fstat(); still bound what we hold.
    if (text.size() > static_cast<size_t>(kMaxFileBytes)) {
      return absl::InvalidArgumentError(
          absl::StrCat(FlagAndPath(path), " is larger than ", kMaxFileBytes, " bytes"));
    }
  }

  FileContents contents;
  // The identity of what was read, not of what the path names now: if the
  // file is swapped between our stat() and open(), the next look sees it.
  contents.identity.inode = st.st_ino;
  contents.identity.device = st.st_dev;
  contents.identity.mtime = st.st_mtim;
  contents.identity.size = st.st_size;
  contents.tokens = ParseCallerTokens(text);
  if (contents.tokens.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(FlagAndPath(path),
                     " holds no token (one token a line; blank lines and lines starting "
                     "with '#' are skipped)"));
  }
  return contents;
}

void CallerTokens::RefreshIfChanged() {
  absl::MutexLock refresh_lock(&refresh_mu_);

  absl::Status status;
  std::shared_ptr<const std::vector<std::string>> loaded;
  struct stat st;
  // stat(), not lstat(): follow the Kubernetes symlinks to the real file.
  if (stat(path_.c_str(), &st) != 0) {
    status =
        absl::ErrnoToStatus(errno, absl::StrCat(FlagAndPath(path_), ": cannot stat"));
  } else {
    FileIdentity now;
    now.inode = st.st_ino;
    now.device = st.st_dev;
    now.mtime = st.st_mtim;
    now.size = st.st_size;
    // Unchanged: nothing to read, and if an earlier look failed (the file
    // was briefly gone and is back as it was), the tokens in force are
    // right again.
    if (!(now == identity_)) {
      absl::StatusOr<FileContents> contents = ReadFile(path_);
      if (contents.ok()) {
        identity_ = contents->identity;
        loaded =
            std::make_shared<const std::vector<std::string>>(std::move(contents->tokens));
      } else {
        status = contents.status();
      }
    }
  }

  absl::Status previous;
  size_t in_force;
  {
    absl::MutexLock lock(&mu_);
    previous = status_;
    status_ = status;
    if (loaded != nullptr) tokens_ = loaded;
    in_force = tokens_->size();
  }

  // Log only transitions, so a file that stays gone is reported once
  // rather than every second.
  if (!status.ok()) {
    if (status != previous) {
      base::LogError(absl::StrCat(status.message(), "; keeping the ", in_force,
                                  " caller tokens loaded before"));
    }
  } else if (loaded != nullptr) {
    base::LogInfo(absl::StrCat(FlagAndPath(path_), " changed: ", in_force,
                               " caller tokens now accepted"));
  } else if (!previous.ok()) {
    base::LogInfo(absl::StrCat(FlagAndPath(path_), " is readable again, unchanged"));
  }
}

bool CallerTokens::Accepts(absl::string_view authorization_header) {
  const absl::Time now = clock_->Now();
  bool look_at_file = false;
  {
    absl::MutexLock lock(&mu_);
    if (now >= next_check_) {
      next_check_ = now + recheck_interval_;
      look_at_file = true;
    }
  }
  if (look_at_file) RefreshIfChanged();

  absl::string_view presented;
  if (!BearerToken(authorization_header, &presented)) return false;

  std::shared_ptr<const std::vector<std::string>> tokens;
  {
    absl::MutexLock lock(&mu_);
    tokens = tokens_;
  }
  // No early exit: every token is compared, so the time does not say which
  // one (or whether an early one) matched. `|` on purpose, not `||`.
  bool accepted = false;
  for (const std::string& token : *tokens) {
    accepted = accepted | ConstantTimeEquals(token, presented);
  }
  return accepted;
}

size_t CallerTokens::size() const {
  absl::MutexLock lock(&mu_);
  return tokens_->size();
}

absl::Status CallerTokens::last_refresh_status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

}  // namespace gong::auth
