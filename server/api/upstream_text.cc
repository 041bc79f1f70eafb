#include "api/upstream_text.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace gong::api::internal {
namespace {

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// 99997 as "99,997": the count of left-out errors can be large, and a
// caller reads it at a glance.
std::string WithThousandsSeparators(size_t n) {
  std::string digits = absl::StrCat(n);
  for (size_t i = digits.size(); i > 3; i -= 3) digits.insert(i - 3, ",");
  return digits;
}

}  // namespace

absl::string_view Utf8Prefix(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  // Back off to the start of the character the cut would split. Gong's text
  // arrives as JSON strings, which the parser has checked to be UTF-8.
  size_t cut = max_bytes;
  while (cut > 0 && IsUtf8Continuation(text[cut])) --cut;
  return text.substr(0, cut);
}

std::string BoundedText(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return absl::StrCat(Utf8Prefix(text, max_bytes), kCutMark, " (truncated)");
}

std::string SummarizeGongErrors(const std::vector<std::string>& errors) {
  std::vector<std::string> shown;
  size_t budget = kMaxGongErrorBytes;
  bool cut = false;
  for (const std::string& error : errors) {
    if (shown.size() == kMaxGongErrorsShown) break;
    if (error.size() <= budget) {
      shown.push_back(error);
      budget -= error.size();
      continue;
    }
    const absl::string_view prefix = Utf8Prefix(error, budget);
    if (!prefix.empty()) {
      shown.push_back(absl::StrCat(prefix, kCutMark));
      cut = true;
    }
    break;
  }
  std::string out = absl::StrJoin(shown, "; ");
  const size_t left_out = errors.size() - shown.size();
  if (left_out > 0) {
    absl::StrAppend(&out, out.empty() ? "" : " ", "(and ",
                    WithThousandsSeparators(left_out),
                    left_out == 1 ? " more error" : " more errors", "; truncated)");
  } else if (cut) {
    absl::StrAppend(&out, " (truncated)");
  }
  return out;
}

}  // namespace gong::api::internal
