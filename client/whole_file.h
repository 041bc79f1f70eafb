// A file's whole text, read with read(2) so that a FIFO (a shell's <(...))
// reads as well as a file, with the system's own reason when it cannot be.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace gong::cli::internal {

// The text of `path`; on failure the status absl::ErrnoToStatus gives for
// the errno (NotFound for a missing file), its message the reason alone
// ("No such file or directory").
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace gong::cli::internal
