// Gong's dates as instants: the ISO-8601 timestamps Gong writes (with a UTC
// offset, such as "2024-03-05T10:20:30.123-08:00" or "...Z") read into
// absl::Time, and absl::Time written back as RFC 3339 in UTC. Shared by
// every codec that meets a date, so that all of them agree on what Gong
// meant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gong::upstream {

// The instant `text` names: "YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm)",
// the offset applied and every fractional digit kept down to absl::Time's
// resolution (a quarter nanosecond; finer digits are truncated).
//
// Nothing when `text` is not such a timestamp. In particular a time without
// an offset is refused rather than guessed at: it names no single instant,
// and reading it as UTC would silently shift it by hours. So are absl's
// "infinite-future" and "infinite-past", which are not dates Gong writes.
std::optional<absl::Time> ParseGongTime(absl::string_view text);

// The instants a google.protobuf.Timestamp can hold, and so the only dates
// the facade passes on: 0001-01-01T00:00:00Z up to and including
// 9999-12-31T23:59:59.999999999Z (as seconds since the Unix epoch, the
// bounds of protobuf's TimeUtil). A date outside them, which ParseGongTime
// reads (year 0, year 10000, 9999-12-31T23:59:59-08:00), would make a
// Timestamp that no JSON printer accepts.
inline constexpr int64_t kMinTimestampSeconds = -62135596800;
inline constexpr int64_t kMaxTimestampSeconds = 253402300799;
bool InTimestampRange(absl::Time time);

// `time` as RFC 3339 in UTC with a "Z": "2024-03-05T18:20:30.123Z". The
// fraction has as many digits as the instant needs and is left out for a
// whole second, so ParseGongTime gives back the same instant. The infinite
// instants, which have no date, come out as absl spells them
// ("infinite-future", "infinite-past"), which ParseGongTime refuses.
std::string FormatGongTime(absl::Time time);

}  // namespace gong::upstream
