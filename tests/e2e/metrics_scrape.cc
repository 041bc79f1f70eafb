#include "metrics_scrape.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace gong::e2e {

std::vector<Sample> ParseExposition(const std::string& text) {
  std::vector<Sample> samples;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    const size_t brace = line.find('{');
    const size_t space = line.rfind(' ');
    if (brace != absl::string_view::npos && brace < space) {
      s.name = std::string(line.substr(0, brace));
      const size_t close = line.find('}', brace);
      for (absl::string_view pair : absl::StrSplit(
               line.substr(brace + 1, close - brace - 1), ',', absl::SkipEmpty())) {
        const size_t eq = pair.find('=');
        s.labels[std::string(pair.substr(0, eq))] = std::string(
            absl::StripSuffix(absl::StripPrefix(pair.substr(eq + 1), "\""), "\""));
      }
    } else {
      s.name = std::string(line.substr(0, space));
    }
    EXPECT_TRUE(absl::SimpleAtod(line.substr(space + 1), &s.value)) << line;
    samples.push_back(std::move(s));
  }
  return samples;
}

std::vector<Sample> ScrapeMetrics(int port) {
  httplib::Client client("127.0.0.1", port);
  auto response = client.Get("/metrics");
  EXPECT_TRUE(response && response->status == 200);
  return response ? ParseExposition(response->body) : std::vector<Sample>{};
}

double Value(const std::vector<Sample>& samples, const std::string& name,
             const Labels& labels) {
  for (const Sample& s : samples) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      match = match && it != s.labels.end() && it->second == v;
    }
    if (match) return s.value;
  }
  ADD_FAILURE() << "no sample " << name;
  return -1;
}

double Sum(const std::vector<Sample>& samples, const std::string& name) {
  double sum = 0;
  for (const Sample& s : samples) {
    if (s.name == name) sum += s.value;
  }
  return sum;
}

}  // namespace gong::e2e
