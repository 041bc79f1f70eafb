// The many-id commands' progress on stderr: on a terminal, one line redrawn
// in place at most a few times a second; elsewhere (a log, a pipe) one
// plain line every 10 seconds. Debian 12 packages no C++ progress-bar
// library; this is the little the CLI needs.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "absl/time/time.h"

namespace gong::cli {

struct Progress {
  size_t done = 0;                         // ids with a final outcome
  size_t total = 0;                        // ids this run works through
  std::map<std::string, size_t> outcomes;  // outcome name -> ids
  std::string unit = "ids";                // what is counted ("prospects")
};

class ProgressLine {
 public:
  // Writes to `fd`; `terminal`: redraw one line (\r and erase) at most
  // every `terminal_interval`, else a plain line every `plain_interval`.
  ProgressLine(int fd, bool terminal,
               absl::Duration terminal_interval = absl::Milliseconds(250),
               absl::Duration plain_interval = absl::Seconds(10));

  // Shows `progress` if its interval has passed since the last line (the
  // first call always shows). `now` is injected for tests.
  void Update(const Progress& progress, absl::Time now);

  // The last state, always shown, ending the line on a terminal.
  void Finish(const Progress& progress, absl::Time now);

  // "1200/5000 ids · unassigned 1190 · still_assigned 10 · 410 ids/s · 9s
  // left": the text of one line (the rate measured since the first Update).
  std::string Format(const Progress& progress, absl::Time now) const;

 private:
  // Writes the line: redrawn in place on a terminal (`last` ends it), else
  // a line of its own.
  void Show(const Progress& progress, absl::Time now, bool last);

  int fd_;
  bool terminal_;
  absl::Duration terminal_interval_;
  absl::Duration plain_interval_;
  absl::Time started_ = absl::InfinitePast();
  size_t done_at_start_ = 0;  // a resumed run's rate counts its own ids only
  absl::Time last_shown_ = absl::InfinitePast();
};

}  // namespace gong::cli
