// Caller authentication for deployments without a service mesh: the named
// callers that --caller_tokens_file lists, each with a role and a bearer
// token, and the check of a call's `authorization` metadata against them.
//
// The file is re-read when it changes, the way Kubernetes updates a mounted
// Secret: the kubelet writes a new directory and swaps the `..data` symlink
// to it atomically, so the path we were given (a symlink into `..data`)
// suddenly names a different file. We therefore watch the path with stat()
// *following* symlinks and compare the file's identity (inode, device,
// mtime, size), never the symlink's.
//
// Tokens are secrets: nothing here logs one or puts one in a status message.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"

namespace gong::auth {

// What a caller may call: a reader only the service's read methods, a
// writer every method. Which methods read is the service's to say
// (api/method_access.h), not this layer's.
enum class Role { kReader, kWriter };

// "reader" or "writer", as the file spells it.
absl::string_view RoleName(Role role);

// The caller's name for a caller with no name of its own: a line holding a
// bare token, or a server without --caller_tokens_file (and so mTLS-only
// or mesh deployments).
inline constexpr absl::string_view kUnnamedCaller = "unnamed";
// The caller's name in logs and metrics for a call refused for its token.
inline constexpr absl::string_view kUnauthenticatedCaller = "unauthenticated";

// Who a call comes from, as its token says.
struct Caller {
  std::string name;           // from the file, or kUnnamedCaller
  Role role = Role::kReader;  // the lesser right unless said otherwise
  bool operator==(const Caller& other) const {
    return name == other.name && role == other.role;
  }
};

// One token the file accepts, and whose it is.
struct CallerToken {
  std::string token;
  Caller caller;
};

// The caller tokens a file's text holds, one a line: `NAME ROLE TOKEN`
// separated by ASCII whitespace (NAME 1 to 64 of [A-Za-z0-9._-], neither
// kUnnamedCaller nor kUnauthenticatedCaller; ROLE `reader` or `writer`), or
// a bare `TOKEN`: an unnamed writer, as every token was before callers had
// names. Surrounding whitespace (also a Windows '\r') is stripped, blank
// lines and lines starting with '#' are skipped. Sorted by token, each
// token once (a line repeated counts once).
//
// Any malformed line refuses the whole text (a file half read would lock
// out the callers of the lines left out, or let in a token meant to be
// revoked): the error names the line's number and what is wrong with it,
// never what it holds, since a token written in the wrong column must not
// reach a log. So is a token given to two different callers or roles: the
// call could not say who it is. A text without any token is no error here
// (an empty list). Pure, so that it can be tested and fuzzed without files.
absl::StatusOr<std::vector<CallerToken>> ParseCallerTokens(absl::string_view text);

class CallerTokens {
 public:
  // How often Authenticate() looks at the file: a stat() a second is
  // nothing, and the kubelet itself takes up to a minute to propagate a
  // Secret.
  static absl::Duration DefaultRecheckInterval() { return absl::Seconds(1); }

  // Loads `path` now; fails (naming --caller_tokens_file and the path) when
  // it cannot be read, has a malformed line or holds no token. `clock` is
  // not owned and must outlive the result.
  static absl::StatusOr<std::unique_ptr<CallerTokens>> Load(std::string path,
                                                            base::Clock* clock);
  static absl::StatusOr<std::unique_ptr<CallerTokens>> Load(
      std::string path, base::Clock* clock, absl::Duration recheck_interval);

  CallerTokens(const CallerTokens&) = delete;
  CallerTokens& operator=(const CallerTokens&) = delete;

  // The caller whose token `authorization_header` (the raw metadata value,
  // e.g. "Bearer abc") bears: "Bearer", one or more spaces, and an accepted
  // token. Nullopt for any other value. The scheme is matched
  // case-insensitively (RFC 6750 section 2.1 via RFC 7235: auth schemes are
  // case-insensitive), the token exactly.
  //
  // The token is compared with every accepted token, byte by byte without
  // stopping at the first difference, and the match is picked without a
  // branch, so the time taken does not tell an attacker how much of a guess
  // was right, nor which token matched. The lengths of the tokens may leak.
  // Thread-safe.
  //
  // At most once per recheck interval (by the injected clock), the calling
  // thread first checks whether the file changed (one stat()).
  std::optional<Caller> Authenticate(absl::string_view authorization_header);

  // Re-reads the file if it changed since the last look. A file that is
  // missing, unreadable, malformed or holds no token keeps the last good
  // token set; the failure is logged once (until the file loads again, or
  // fails differently). Called by Authenticate, and by tests directly.
  // Thread-safe.
  void RefreshIfChanged();

  // Number of accepted (distinct) tokens.
  size_t size() const;

  // OK, or why the last look at the file could not load it (the old
  // tokens are still in force then). For tests and status pages; never
  // holds a token.
  absl::Status last_refresh_status() const;

 private:
  // What stat() tells about the file behind the path. Any difference means
  // "changed": a new inode (rename over, or a Kubernetes `..data` swap), or
  // a new mtime or size (rewritten in place).
  struct FileIdentity {
    ino_t inode = 0;
    dev_t device = 0;
    timespec mtime = {};
    off_t size = -1;
    bool operator==(const FileIdentity& other) const;
  };

  // The tokens and the identity of the file they were read from (fstat of
  // the opened file, so a change between stat() and open() is seen next
  // time rather than lost).
  struct FileContents {
    std::vector<CallerToken> tokens;
    FileIdentity identity;
  };

  CallerTokens(std::string path, base::Clock* clock, absl::Duration recheck_interval);

  // Reads and parses the file. Errors name --caller_tokens_file and the
  // path, never the contents.
  static absl::StatusOr<FileContents> ReadFile(const std::string& path);

  const std::string path_;
  base::Clock* const clock_;
  const absl::Duration recheck_interval_;

  // Serializes refreshes, so the file I/O never runs under mu_ and never
  // blocks Authenticate() on other threads.
  absl::Mutex refresh_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  // The file the tokens in force came from. Not updated by a failed look,
  // so a file that failed to load is tried again at the next look.
  FileIdentity identity_ ABSL_GUARDED_BY(refresh_mu_);

  mutable absl::Mutex mu_;
  // Shared so that Authenticate() compares against a snapshot without
  // holding mu_, while a refresh swaps in a new set.
  std::shared_ptr<const std::vector<CallerToken>> tokens_ ABSL_GUARDED_BY(mu_);
  absl::Time next_check_ ABSL_GUARDED_BY(mu_);
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gong::auth
