// Finds characters a reader cannot see in text a caller sends: invalid
// UTF-8, and whitespace, control and format characters of any script (a
// no-break space, U+2028, a zero-width space, a right-to-left override).
// ASCII-only checks let them through, and Gong would get them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace gong::api::internal {

struct HiddenCharacter {
  size_t position;   // in characters (code points) from 0
  std::string what;  // such as "U+00A0 (whitespace)" or "invalid UTF-8"
};

// The first character of `text` that is not valid UTF-8, or that is
// whitespace (Unicode's Zs, Zl, Zp), a control (Cc) or a format character
// (Cf); nullopt when there is none.
std::optional<HiddenCharacter> FindHiddenCharacter(absl::string_view text);

// The first character of `text` that is not valid UTF-8, or that is a
// control character (Cc: tabs and line breaks included); nullopt when
// there is none. For free text (a name, a title), where spaces belong.
std::optional<HiddenCharacter> FindControlCharacter(absl::string_view text);

}  // namespace gong::api::internal
