// What a watched file is made of: its identity as stat() sees it through
// any symlinks, and its contents read whole within a bound. Shared by what
// the server re-reads when it changes (Gong's credentials directory, and
// the caller tokens file later), the way Kubernetes updates a mounted
// Secret: the kubelet writes a new directory and swaps the `..data` symlink
// to it atomically, so a path (a symlink into `..data`) suddenly names a
// different file. Hence stat() *following* symlinks, and an identity of the
// file (inode, device, mtime, size), never of the symlink.
//
// Nothing here logs, and no status carries a file's contents: they may be
// secrets.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <ctime>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gong::base {

// Any difference means "changed": a new inode (a rename over it, or a
// `..data` swap), or a new mtime or size (rewritten in place).
struct FileIdentity {
  ino_t inode = 0;
  dev_t device = 0;
  timespec mtime = {};
  off_t size = -1;
  bool operator==(const FileIdentity& other) const;
  bool operator!=(const FileIdentity& other) const { return !(*this == other); }
};

// The identity of the file `path` names now, following symlinks; nullopt
// when there is none (missing, a dangling symlink, no permission to look).
std::optional<FileIdentity> IdentityOf(const std::string& path);

struct SmallFile {
  std::string text;
  // Of what was read (fstat of the opened file), not of what the path names
  // now: a file swapped between a stat() and the open() is seen next time
  // rather than lost.
  FileIdentity identity;
};

// Reads the regular file `path` whole, refusing one larger than `max_bytes`
// (also one that grows past it while read). Never blocks on a FIFO. Errors
// start with `what` (such as `--caller_tokens_file "/etc/tokens"`) and say
// what failed, never what the file holds.
absl::StatusOr<SmallFile> ReadSmallFile(const std::string& path, size_t max_bytes,
                                        absl::string_view what);

}  // namespace gong::base
