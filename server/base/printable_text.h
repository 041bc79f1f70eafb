// A short text another party chose (a caller's x-request-id, Gong's
// X-Traceid) as the facade may log it and carry it about.
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace gong::base {

// `value` cut to its first `max_size` bytes when every byte of it is
// printable ASCII (0x20 to 0x7E); "" otherwise. A value holding anything
// else (control bytes, UTF-8, NUL) is dropped whole rather than cleaned:
// an id that was changed would match nothing when someone searches for it.
std::string PrintableAsciiOrEmpty(absl::string_view value, size_t max_size);

}  // namespace gong::base
