#include "h2load_run.h"

#include <cstdio>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "subprocess.h"

namespace gong::bench {
namespace {

// h2load's durations: "123us", "4.56ms", "1.2s".
std::optional<absl::Duration> ParseH2loadDuration(absl::string_view s) {
  double value = 0;
  for (const auto& [suffix, unit] :
       {std::pair{"us", absl::Microseconds(1)}, std::pair{"ms", absl::Milliseconds(1)},
        std::pair{"s", absl::Seconds(1)}}) {
    if (absl::ConsumeSuffix(&s, suffix)) {
      if (!absl::SimpleAtod(s, &value)) return std::nullopt;
      return value * unit;
    }
  }
  return std::nullopt;
}

// The numbers of "requests: 10 total, 10 started, 9 done, 8 succeeded, ...",
// by the word after each.
std::optional<int64_t> CountBefore(absl::string_view line, absl::string_view word) {
  for (absl::string_view part : absl::StrSplit(line, ',')) {
    std::vector<absl::string_view> words =
        absl::StrSplit(absl::StripAsciiWhitespace(part), ' ', absl::SkipEmpty());
    if (words.size() >= 2 && words[words.size() - 1] == word) {
      int64_t n = 0;
      if (absl::SimpleAtoi(words[words.size() - 2], &n)) return n;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<H2loadResult> ParseH2loadOutput(absl::string_view text) {
  H2loadResult result;
  bool have_requests = false, have_times = false, have_rate = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (absl::ConsumePrefix(&line, "finished in ")) {
      // "finished in 5.00s, 12345.60 req/s, 1.20MB/s"
      std::vector<absl::string_view> parts = absl::StrSplit(line, ", ");
      if (parts.size() >= 2 && absl::ConsumeSuffix(&parts[1], " req/s")) {
        have_rate = absl::SimpleAtod(parts[1], &result.requests_per_second);
      }
    } else if (absl::ConsumePrefix(&line, "requests:")) {
      const auto done = CountBefore(line, "done");
      const auto succeeded = CountBefore(line, "succeeded");
      if (done && succeeded) {
        result.done = *done;
        result.succeeded = *succeeded;
        have_requests = true;
      }
    } else if (absl::ConsumePrefix(&line, "time for request:")) {
      // "min max mean sd +/- sd"
      std::vector<absl::string_view> cols = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (cols.size() >= 3) {
        const auto min = ParseH2loadDuration(cols[0]);
        const auto max = ParseH2loadDuration(cols[1]);
        const auto mean = ParseH2loadDuration(cols[2]);
        if (min && max && mean) {
          result.min = *min;
          result.max = *max;
          result.mean = *mean;
          have_times = true;
        }
      }
    }
  }
  if (!have_requests || !have_times || !have_rate) return std::nullopt;
  return result;
}

std::string GrpcFrame(absl::string_view message) {
  const uint32_t n = message.size();
  std::string frame = {'\0', static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
  absl::StrAppend(&frame, message);
  return frame;
}

std::optional<H2loadResult> RunH2load(const std::string& h2load_bin,
                                      const std::string& address, const std::string& path,
                                      const std::string& body_file, int streams,
                                      absl::Duration duration) {
  e2e::Subprocess h2load(
      {h2load_bin, "--clients=1", absl::StrCat("--max-concurrent-streams=", streams),
       "--threads=1",
       absl::StrCat("--duration=", absl::ToInt64Milliseconds(duration), "ms"),
       // -D needs a request count bigger than what runs; h2load stops on time.
       "--requests=1000000000", "--header=content-type: application/grpc",
       "--header=te: trailers", absl::StrCat("--data=", body_file),
       absl::StrCat("http://", address, path)});
  const int code = h2load.Wait(duration + absl::Minutes(1));
  std::optional<H2loadResult> result = ParseH2loadOutput(h2load.Stdout());
  if (code != 0 || !result) {
    std::fprintf(stderr, "h2load exited with %d:\n%s\n%s\n", code,
                 h2load.Stdout().c_str(), h2load.Stderr().c_str());
    return std::nullopt;
  }
  return result;
}

}  // namespace gong::bench
