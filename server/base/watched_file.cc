// Reading a small file, and a file's identity, for the files the server
// watches (watched_file.h).
#include "base/watched_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace gong::base {
namespace {

FileIdentity IdentityOfStat(const struct stat& st) {
  FileIdentity identity;
  identity.inode = st.st_ino;
  identity.device = st.st_dev;
  identity.mtime = st.st_mtim;
  identity.size = st.st_size;
  return identity;
}

absl::Status TooLarge(absl::string_view what, size_t max_bytes) {
  return absl::InvalidArgumentError(
      absl::StrCat(what, " is larger than ", max_bytes, " bytes"));
}

}  // namespace

bool FileIdentity::operator==(const FileIdentity& other) const {
  return inode == other.inode && device == other.device &&
         mtime.tv_sec == other.mtime.tv_sec && mtime.tv_nsec == other.mtime.tv_nsec &&
         size == other.size;
}

std::optional<FileIdentity> IdentityOf(const std::string& path) {
  struct stat st;
  // stat(), not lstat(): follow the Kubernetes symlinks to the real file.
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return IdentityOfStat(st);
}

absl::StatusOr<SmallFile> ReadSmallFile(const std::string& path, size_t max_bytes,
                                        absl::string_view what) {
  // O_NONBLOCK: a FIFO given by mistake must not hang the server at open().
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat(what, ": cannot open"));
  struct FdCloser {
    int fd;
    ~FdCloser() { close(fd); }
  } closer{fd};

  struct stat st;
  if (fstat(fd, &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat(what, ": cannot stat"));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is not a regular file"));
  }
  if (st.st_size < 0 || static_cast<size_t>(st.st_size) > max_bytes) {
    return TooLarge(what, max_bytes);
  }

  SmallFile file;
  file.identity = IdentityOfStat(st);
  char buffer[4096];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, absl::StrCat(what, ": cannot read"));
    }
    file.text.append(buffer, static_cast<size_t>(n));
    // The file may grow after fstat(); still bound what we hold.
    if (file.text.size() > max_bytes) return TooLarge(what, max_bytes);
  }
  return file;
}

}  // namespace gong::base
