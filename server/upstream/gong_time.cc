#include "upstream/gong_time.h"

#include "absl/strings/str_cat.h"

namespace gong::upstream {
namespace {

// RFC 3339's layout without the offset; %E*S writes and reads any number of
// fractional digits.
constexpr char kDateAndTime[] = "%Y-%m-%d%ET%H:%M:%E*S";

}  // namespace

std::optional<absl::Time> ParseGongTime(absl::string_view text) {
  absl::Time time;
  // %Ez demands an offset (and takes "Z" as +00:00), which is what keeps a
  // zone-less time from being read as UTC.
  if (!absl::ParseTime(absl::StrCat(kDateAndTime, "%Ez"), text, &time, nullptr)) {
    return std::nullopt;
  }
  // absl::ParseTime answers the literal texts "infinite-future" and
  // "infinite-past" with the infinite instants whatever the format says.
  if (time == absl::InfiniteFuture() || time == absl::InfinitePast()) {
    return std::nullopt;
  }
  return time;
}

bool InTimestampRange(absl::Time time) {
  return time >= absl::FromUnixSeconds(kMinTimestampSeconds) &&
         time < absl::FromUnixSeconds(kMaxTimestampSeconds) + absl::Seconds(1);
}

std::string FormatGongTime(absl::Time time) {
  if (time == absl::InfiniteFuture() || time == absl::InfinitePast()) {
    return absl::FormatTime(time);
  }
  // %Ez would write UTC as "+00:00"; "Z" is the spelling callers expect.
  return absl::StrCat(absl::FormatTime(kDateAndTime, time, absl::UTCTimeZone()), "Z");
}

}  // namespace gong::upstream
