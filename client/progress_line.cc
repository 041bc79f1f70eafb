#include "progress_line.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "id_outcome.h"

namespace gong::cli {
namespace {

// The widest line drawn, in characters: a line longer than the terminal
// wraps, and "\r" then redraws only its last row, leaving the rest behind.
constexpr size_t kMaxColumns = 200;

// The rate is shown once this much has passed since the first Update: the
// first few answers over a few milliseconds would promise any rate at all.
constexpr absl::Duration kRateAfter = absl::Seconds(1);

// Time left is shown up to this; past it the figure means nothing.
constexpr int64_t kMaxSecondsLeft = int64_t{1000} * 3600;

constexpr absl::string_view kSeparator = " \xC2\xB7 ";  // " · "

// "9s", "1m20s", "2h05m".
std::string FormatDuration(int64_t seconds) {
  if (seconds < 60) return absl::StrCat(seconds, "s");
  const auto two_digits = [](int64_t n) { return absl::StrCat(n < 10 ? "0" : "", n); };
  if (seconds < 3600)
    return absl::StrCat(seconds / 60, "m", two_digits(seconds % 60), "s");
  // Whole minutes rounded up, as the seconds are: never less than is left.
  const int64_t minutes = (seconds + 59) / 60;
  return absl::StrCat(minutes / 60, "h", two_digits(minutes % 60), "m");
}

// Whole ids a second from 10 up, one decimal below ("0.4").
std::string FormatRate(double rate) {
  if (rate >= 10) return absl::StrCat(static_cast<int64_t>(std::llround(rate)));
  const int64_t tenths = std::llround(rate * 10);
  return absl::StrCat(tenths / 10, ".", tenths % 10);
}

// The outcomes in the order IdOutcome declares them (so the line does not
// reshuffle as counts change), names it does not know after them.
std::vector<std::pair<absl::string_view, size_t>> OrderedOutcomes(
    const std::map<std::string, size_t>& outcomes) {
  std::vector<std::pair<absl::string_view, size_t>> ordered(outcomes.begin(),
                                                            outcomes.end());
  const auto rank = [](absl::string_view name) {
    std::optional<IdOutcome> known = OutcomeFromName(name);
    return known.has_value() ? static_cast<int>(*known) : 1000;
  };
  std::stable_sort(ordered.begin(), ordered.end(), [&rank](const auto& a, const auto& b) {
    return rank(a.first) < rank(b.first);
  });
  return ordered;
}

// `text` as one line of at most `columns` characters: control characters
// (a newline would end the line early) shown as '?', and cut on a
// character's boundary, never inside a UTF-8 sequence.
std::string OneLine(absl::string_view text, size_t columns) {
  std::string line;
  size_t characters = 0;
  for (const char c : text) {
    const unsigned char byte = static_cast<unsigned char>(c);
    const bool starts_character = (byte & 0xC0) != 0x80;
    if (starts_character && ++characters > columns) break;
    line.push_back(byte < 0x20 || byte == 0x7F ? '?' : c);
  }
  return line;
}

// The terminal's width less one column (so the cursor never wraps), or
// kMaxColumns when it is not known.
size_t TerminalColumns(int fd) {
  struct winsize size;
  if (ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_col < 2) return kMaxColumns;
  return std::min<size_t>(size.ws_col - 1, kMaxColumns);
}

// Progress is worth no more than its line: a failed write (stderr closed,
// a full pipe) is dropped rather than retried.
void WriteBestEffort(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

ProgressLine::ProgressLine(int fd, bool terminal, absl::Duration terminal_interval,
                           absl::Duration plain_interval)
    : fd_(fd),
      terminal_(terminal),
      terminal_interval_(terminal_interval),
      plain_interval_(plain_interval) {}

std::string ProgressLine::Format(const Progress& progress, absl::Time now) const {
  std::vector<std::string> parts;
  parts.push_back(absl::StrCat(progress.done, "/", progress.total, " ", progress.unit));
  for (const auto& [name, count] : OrderedOutcomes(progress.outcomes)) {
    parts.push_back(absl::StrCat(name, " ", count));
  }
  const absl::Duration elapsed = now - started_;
  if (started_ != absl::InfinitePast() && elapsed >= kRateAfter) {
    const size_t done_here =
        progress.done > done_at_start_ ? progress.done - done_at_start_ : 0;
    const double rate = static_cast<double>(done_here) / absl::ToDoubleSeconds(elapsed);
    parts.push_back(absl::StrCat(FormatRate(rate), " ", progress.unit, "/s"));
    if (rate > 0 && progress.done < progress.total) {
      const double left =
          std::ceil(static_cast<double>(progress.total - progress.done) / rate);
      if (left <= static_cast<double>(kMaxSecondsLeft)) {
        parts.push_back(
            absl::StrCat(FormatDuration(static_cast<int64_t>(left)), " left"));
      }
    }
  }
  return OneLine(absl::StrJoin(parts, kSeparator), kMaxColumns);
}

void ProgressLine::Show(const Progress& progress, absl::Time now, bool last) {
  last_shown_ = now;
  std::string text = Format(progress, now);
  if (!terminal_) {
    WriteBestEffort(fd_, absl::StrCat(text, "\n"));
    return;
  }
  // "\r" back to the line's start, the text, then erase what a longer line
  // before left to its right.
  WriteBestEffort(fd_, absl::StrCat("\r", OneLine(text, TerminalColumns(fd_)), "\x1b[K",
                                    last ? "\n" : ""));
}

void ProgressLine::Update(const Progress& progress, absl::Time now) {
  if (started_ == absl::InfinitePast()) {
    started_ = now;
    done_at_start_ = progress.done;
  }
  const absl::Duration interval = terminal_ ? terminal_interval_ : plain_interval_;
  // A clock set back shows at once rather than freezing the line until it
  // catches up.
  if (last_shown_ != absl::InfinitePast() && now >= last_shown_ &&
      now - last_shown_ < interval) {
    return;
  }
  Show(progress, now, /*last=*/false);
}

void ProgressLine::Finish(const Progress& progress, absl::Time now) {
  if (started_ == absl::InfinitePast()) {
    started_ = now;
    done_at_start_ = progress.done;
  }
  Show(progress, now, /*last=*/true);
}

}  // namespace gong::cli
