// CallerTokens: reading the tokens file, watching it for changes, and the
// constant-time check of a call's bearer token.
#include "auth/caller_tokens.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <tuple>
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

// A caller's name goes into logs and metric labels as it is: a few
// characters that need no quoting anywhere.
constexpr size_t kMaxNameLength = 64;

bool IsCallerName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
           c == '-';
  });
}

// Splits `line` (stripped, not empty) at runs of ASCII whitespace into
// `fields`, and returns how many fields it has: 1 to 3, or 4 for "more
// than 3" (the rest is not looked at).
size_t SplitFields(absl::string_view line, absl::string_view (&fields)[3]) {
  size_t count = 0;
  while (!line.empty()) {
    if (count == 3) return 4;
    size_t end = 0;
    while (end < line.size() &&
           !absl::ascii_isspace(static_cast<unsigned char>(line[end]))) {
      ++end;
    }
    fields[count++] = line.substr(0, end);
    line.remove_prefix(end);
    while (!line.empty() &&
           absl::ascii_isspace(static_cast<unsigned char>(line.front()))) {
      line.remove_prefix(1);
    }
  }
  return count;
}

}  // namespace

absl::string_view RoleName(Role role) {
  return role == Role::kReader ? "reader" : "writer";
}

absl::StatusOr<std::vector<CallerToken>> ParseCallerTokens(absl::string_view text) {
  struct Entry {
    CallerToken token;
    size_t line = 0;
  };
  std::vector<Entry> entries;
  size_t number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    // StripAsciiWhitespace also takes the '\r' of files written on Windows.
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    absl::string_view fields[3];
    const size_t count = SplitFields(line, fields);
    if (count == 1) {
      entries.push_back(
          {{std::string(fields[0]), {std::string(kUnnamedCaller), Role::kWriter}},
           number});
      continue;
    }
    if (count != 3) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", number, ": ", count == 2 ? "2 fields" : "more than 3 fields",
          "; a line is NAME ROLE TOKEN, or a TOKEN alone"));
    }
    const absl::string_view name = fields[0];
    if (name == kUnnamedCaller || name == kUnauthenticatedCaller) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", number, ": the name \"", name,
          "\" is reserved (the logs and metrics use it for callers without a name)"));
    }
    if (!IsCallerName(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", number, ": the name is not 1 to ", kMaxNameLength,
                       " of the characters A-Z a-z 0-9 . _ -"));
    }
    Role role;
    if (fields[1] == "reader") {
      role = Role::kReader;
    } else if (fields[1] == "writer") {
      role = Role::kWriter;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", number, ": the role is neither reader nor writer"));
    }
    entries.push_back({{std::string(fields[2]), {std::string(name), role}}, number});
  }

  // By token, then line: a token's lines end up side by side, earliest first.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.token.token, a.line) < std::tie(b.token.token, b.line);
  });
  // The same token for two callers (or roles): the call could not say who
  // it is. Reported at the first line, in the file's order, whose token an
  // earlier line gave to someone else.
  const Entry* conflict = nullptr;
  const Entry* first_of_token = nullptr;
  const Entry* conflict_with = nullptr;
  for (const Entry& entry : entries) {
    if (first_of_token == nullptr || first_of_token->token.token != entry.token.token) {
      first_of_token = &entry;
    } else if (!(entry.token.caller == first_of_token->token.caller) &&
               (conflict == nullptr || entry.line < conflict->line)) {
      conflict = &entry;
      conflict_with = first_of_token;
    }
  }
  if (conflict != nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line ", conflict->line, ": its token is also on line ", conflict_with->line,
        " for another caller or role; a token must name one caller"));
  }

  // A line repeated only makes every check longer.
  std::vector<CallerToken> tokens;
  tokens.reserve(entries.size());
  for (Entry& entry : entries) {
    if (!tokens.empty() && tokens.back().token == entry.token.token) continue;
    tokens.push_back(std::move(entry.token));
  }
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
      std::make_shared<const std::vector<CallerToken>>(std::move(contents->tokens));
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
  absl::StatusOr<std::vector<CallerToken>> tokens = ParseCallerTokens(text);
  if (!tokens.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(FlagAndPath(path), ", ", tokens.status().message()));
  }
  contents.tokens = *std::move(tokens);
  if (contents.tokens.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(FlagAndPath(path),
                     " holds no token (NAME ROLE TOKEN, or a TOKEN alone, a line; blank "
                     "lines and lines starting with '#' are skipped)"));
  }
  return contents;
}

void CallerTokens::RefreshIfChanged() {
  absl::MutexLock refresh_lock(&refresh_mu_);

  absl::Status status;
  std::shared_ptr<const std::vector<CallerToken>> loaded;
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
            std::make_shared<const std::vector<CallerToken>>(std::move(contents->tokens));
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

std::optional<Caller> CallerTokens::Authenticate(absl::string_view authorization_header) {
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
  if (!BearerToken(authorization_header, &presented)) return std::nullopt;

  std::shared_ptr<const std::vector<CallerToken>> tokens;
  {
    absl::MutexLock lock(&mu_);
    tokens = tokens_;
  }
  // No early exit: every token is compared, so the time does not say which
  // one (or whether an early one) matched; and the match's index is kept
  // through a mask rather than a branch. At most one token matches (the
  // parser keeps each token once).
  size_t matched = 0;
  size_t any = 0;  // all ones once a token matched
  for (size_t i = 0; i < tokens->size(); ++i) {
    // All ones for the matching token, else 0.
    const size_t equal =
        -static_cast<size_t>(ConstantTimeEquals((*tokens)[i].token, presented));
    matched |= i & equal;
    any |= equal;
  }
  if (any == 0) return std::nullopt;
  return (*tokens)[matched].caller;
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
