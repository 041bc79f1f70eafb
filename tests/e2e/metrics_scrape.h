// Reading the facade's /metrics as Prometheus does, for end-to-end tests:
// the text format parsed into samples, and a sample's value by name and
// labels.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace gong::e2e {

using Labels = std::map<std::string, std::string>;

// One sample of Prometheus' text format: name{labels} value.
struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

std::vector<Sample> ParseExposition(const std::string& text);

// GET /metrics on 127.0.0.1:`port`, parsed (a test failure and no samples
// when the scrape fails).
std::vector<Sample> ScrapeMetrics(int port);

// The value of the first sample named `name` whose labels include `labels`
// (a test failure and -1 when there is none).
double Value(const std::vector<Sample>& samples, const std::string& name,
             const Labels& labels = {});

// The sum of every sample named `name`, whatever its labels.
double Sum(const std::vector<Sample>& samples, const std::string& name);

}  // namespace gong::e2e
