#include "metrics_page.h"

#include <curl/curl.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace gong::bench {
namespace {

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One sample line of `name`: its labels ("" when none) and its value.
struct Sample {
  absl::string_view labels;
  double value = 0;
};

std::vector<Sample> Samples(absl::string_view page, absl::string_view name) {
  std::vector<Sample> samples;
  for (absl::string_view line : absl::StrSplit(page, '\n')) {
    if (!absl::ConsumePrefix(&line, name)) continue;
    Sample sample;
    if (absl::ConsumePrefix(&line, "{")) {
      const size_t end = line.find('}');
      if (end == absl::string_view::npos) continue;
      sample.labels = line.substr(0, end);
      line.remove_prefix(end + 1);
    } else if (!absl::StartsWith(line, " ")) {
      continue;  // another metric whose name starts with `name`
    }
    // The value, then perhaps a timestamp.
    const std::vector<absl::string_view> rest =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (!rest.empty() && absl::SimpleAtod(rest[0], &sample.value)) {
      samples.push_back(sample);
    }
  }
  return samples;
}

}  // namespace

std::optional<std::string> FetchMetrics(const std::string& address) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return std::nullopt;
  std::string page;
  const std::string url = absl::StrCat("http://", address, "/metrics");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &page);
  const CURLcode result = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (result != CURLE_OK || status != 200) return std::nullopt;
  return page;
}

double MetricSum(absl::string_view page, absl::string_view name) {
  double sum = 0;
  for (const Sample& s : Samples(page, name)) sum += s.value;
  return sum;
}

std::map<std::string, double> MetricByLabel(absl::string_view page,
                                            absl::string_view name,
                                            absl::string_view label) {
  std::map<std::string, double> by_value;
  const std::string prefix = absl::StrCat(label, "=\"");
  for (const Sample& s : Samples(page, name)) {
    // Label values here are names and codes: no escaped quotes in them.
    for (absl::string_view pair : absl::StrSplit(s.labels, ',')) {
      if (!absl::ConsumePrefix(&pair, prefix) || !absl::ConsumeSuffix(&pair, "\"")) {
        continue;
      }
      by_value[std::string(pair)] += s.value;
    }
  }
  return by_value;
}

}  // namespace gong::bench
