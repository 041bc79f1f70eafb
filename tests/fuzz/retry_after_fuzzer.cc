// Fuzzes ParseRetryAfter, which reads the Retry-After header of Gong's 429s
// (delay-seconds, a fraction, or an HTTP-date).
//
// Input: the header value as is; `now` is a fixed instant, so that dates
// both before and after it are reached.
//
// Invariants beyond "no crash":
// - a wait is never negative;
// - whole seconds (digits only, surrounding whitespace aside) give exactly
//   that many seconds, or forever when too many for an int64;
// - any other value read is an HTTP-date: it ends in GMT and gives a finite
//   wait;
// - the value means the same with surrounding whitespace added;
// - a wait is read from the value, not from the clock: for a number it does
//   not depend on `now`; for a date it is never longer later, and is
//   exactly one second shorter one second later while still in the future.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "fuzz_check.h"
#include "upstream/retry_after.h"

namespace {

bool AllDigits(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool LooksLikeNumber(absl::string_view text) {
  double ignored;
  return absl::SimpleAtod(text, &ignored);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view value(reinterpret_cast<const char*>(data), size);
  // Wed, 02 Dec 2026 01:00:00 GMT: a date near the seeds'.
  const absl::Time now = absl::FromUnixSeconds(1796173200);

  const std::optional<absl::Duration> wait = gong::upstream::ParseRetryAfter(value, now);
  if (!wait.has_value()) return 0;
  FUZZ_CHECK(*wait >= absl::ZeroDuration());

  const absl::string_view stripped = absl::StripAsciiWhitespace(value);
  if (AllDigits(stripped)) {
    int64_t seconds;
    if (absl::SimpleAtoi(stripped, &seconds)) {
      FUZZ_CHECK(*wait == absl::Seconds(seconds));
    } else {
      FUZZ_CHECK(*wait == absl::InfiniteDuration());
    }
  }

  // Anything else read is an HTTP-date, which always ends in GMT and is a
  // finite instant.
  if (!AllDigits(stripped) && !LooksLikeNumber(stripped)) {
    FUZZ_CHECK(absl::EndsWith(stripped, "GMT"));
    FUZZ_CHECK(*wait != absl::InfiniteDuration());
  }

  const std::optional<absl::Duration> padded =
      gong::upstream::ParseRetryAfter(absl::StrCat(" \t", value, "\r\n "), now);
  FUZZ_CHECK(padded == wait);

  const std::optional<absl::Duration> later =
      gong::upstream::ParseRetryAfter(value, now + absl::Seconds(1));
  FUZZ_CHECK(later.has_value());
  if (AllDigits(stripped) || LooksLikeNumber(stripped)) {
    FUZZ_CHECK(*later == *wait);
  } else {
    FUZZ_CHECK(*later <= *wait);
    if (*wait >= absl::Seconds(1) && *wait != absl::InfiniteDuration()) {
      FUZZ_CHECK(*later == *wait - absl::Seconds(1));
    }
  }
  return 0;
}
