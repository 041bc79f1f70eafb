#include "upstream/retry_after.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace gong::upstream {

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  if (!value.empty() && std::all_of(value.begin(), value.end(), absl::ascii_isdigit)) {
    // Whole seconds, Gong's form; more than an int64 holds is "forever".
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(value, &seconds)) return absl::InfiniteDuration();
    return absl::Seconds(seconds);
  }
  double seconds = 0;
  if (absl::SimpleAtod(value, &seconds)) {
    // A fraction is not HTTP's form, but its meaning is plain.
    if (!std::isfinite(seconds) || seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  // An HTTP-date (RFC 9110's IMF-fixdate); one in the past means now.
  // absl::ParseTime also takes the words "infinite-future" and
  // "infinite-past" whatever the format, and reads its input as a C string,
  // so that a date followed by a NUL and anything passes: neither is an
  // HTTP-date (both found by fuzzing).
  absl::Time when;
  std::string ignored;
  if (value.find('\0') == absl::string_view::npos &&
      absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", value, &when, &ignored) &&
      when != absl::InfiniteFuture() && when != absl::InfinitePast()) {
    return std::max(when - now, absl::ZeroDuration());
  }
  return std::nullopt;
}

}  // namespace gong::upstream
