#include "api/unicode_checks.h"

#include <cstdint>

#include "absl/strings/str_format.h"

namespace gong::api::internal {
namespace {

struct Range {
  char32_t first, last;
};

// Unicode 15's White_Space-like separators (Zs, Zl, Zp), controls (Cc) and
// format characters (Cf). These sets are small and stable across Unicode
// versions, which is why a table here beats a dependency on ICU.
constexpr Range kWhitespace[] = {
    {0x0020, 0x0020}, {0x00A0, 0x00A0}, {0x1680, 0x1680}, {0x2000, 0x200A},
    {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000},
};
constexpr Range kControl[] = {{0x0000, 0x001F}, {0x007F, 0x009F}};
constexpr Range kFormat[] = {
    {0x00AD, 0x00AD},   {0x0600, 0x0605},   {0x061C, 0x061C},   {0x06DD, 0x06DD},
    {0x070F, 0x070F},   {0x0890, 0x0891},   {0x08E2, 0x08E2},   {0x180E, 0x180E},
    {0x200B, 0x200F},   {0x202A, 0x202E},   {0x2060, 0x2064},   {0x2066, 0x206F},
    {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD}, {0x110CD, 0x110CD},
    {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001},
    {0xE0020, 0xE007F},
};

template <size_t N>
bool In(const Range (&ranges)[N], char32_t c) {
  for (const Range& r : ranges) {
    if (c >= r.first && c <= r.last) return true;
  }
  return false;
}

// Decodes the character at the start of `text` into `c`; returns its length
// in bytes, or 0 for invalid UTF-8 (a stray continuation byte, a truncated
// sequence, an overlong form, a surrogate or a value past U+10FFFF).
size_t DecodeUtf8(absl::string_view text, char32_t* c) {
  const auto byte = [&text](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(0);
  size_t length;
  char32_t min;
  if (lead < 0x80) {
    *c = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, min = 0x80, *c = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, min = 0x800, *c = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, min = 0x10000, *c = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    *c = (*c << 6) | (byte(i) & 0x3F);
  }
  if (*c < min || *c > 0x10FFFF || (*c >= 0xD800 && *c <= 0xDFFF)) return 0;
  return length;
}

}  // namespace

std::optional<HiddenCharacter> FindHiddenCharacter(absl::string_view text) {
  for (size_t position = 0; !text.empty(); ++position) {
    char32_t c = 0;
    const size_t length = DecodeUtf8(text, &c);
    if (length == 0) return HiddenCharacter{position, "invalid UTF-8"};
    const char* kind = In(kWhitespace, c) ? "whitespace"
                       : In(kControl, c)  ? "a control character"
                       : In(kFormat, c)   ? "a format character"
                                          : nullptr;
    if (kind != nullptr) {
      return HiddenCharacter{position, absl::StrFormat("U+%04X (%s)", c, kind)};
    }
    text.remove_prefix(length);
  }
  return std::nullopt;
}

std::optional<HiddenCharacter> FindControlCharacter(absl::string_view text) {
  for (size_t position = 0; !text.empty(); ++position) {
    char32_t c = 0;
    const size_t length = DecodeUtf8(text, &c);
    if (length == 0) return HiddenCharacter{position, "invalid UTF-8"};
    if (In(kControl, c)) {
      return HiddenCharacter{position,
                             absl::StrFormat("U+%04X (a control character)", c)};
    }
    text.remove_prefix(length);
  }
  return std::nullopt;
}

}  // namespace gong::api::internal
