#include "base/printable_text.h"

#include <algorithm>

namespace gong::base {

std::string PrintableAsciiOrEmpty(absl::string_view value, size_t max_size) {
  const bool printable = std::all_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x20 && byte <= 0x7e;
  });
  if (!printable) return "";
  return std::string(value.substr(0, max_size));
}

}  // namespace gong::base
