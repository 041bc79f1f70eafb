// The quota's metrics as /metrics serves them (server/observability/
// metrics.h), read from the steward's stats at each scrape: the day's
// budget left (no series without a daily limit), the steward's refusals by
// the reason callers got, and the waiting calls by priority; beside the
// quota metrics that were there before, under their old names.
#include "observability/metrics.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace gong::observability {
namespace {

using ::testing::Contains;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// Each sample line of a text-format page ("name{labels} value") by its
// name and labels as written; comment lines are left out.
std::map<std::string, double> Samples(const std::string& page) {
  std::map<std::string, double> samples;
  for (absl::string_view line : absl::StrSplit(page, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "#")) continue;
    const size_t space = line.rfind(' ');
    double value = 0;
    if (space == absl::string_view::npos ||
        !absl::SimpleAtod(line.substr(space + 1), &value)) {
      ADD_FAILURE() << "not a sample: " << line;
      continue;
    }
    samples[std::string(line.substr(0, space))] = value;
  }
  return samples;
}

// The samples whose name starts with `prefix`.
std::map<std::string, double> Named(const std::map<std::string, double>& samples,
                                    absl::string_view prefix) {
  std::map<std::string, double> named;
  for (const auto& [name, value] : samples) {
    if (absl::StartsWith(name, prefix)) named.emplace(name, value);
  }
  return named;
}

class QuotaMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    metrics_.WatchQuota([this] {
      absl::MutexLock lock(&mu_);
      return stats_;
    });
    ASSERT_TRUE(metrics_.Serve("127.0.0.1:0").ok());
  }
  void TearDown() override { metrics_.StopServing(); }

  void SetStats(const quota::QuotaSteward::Stats& stats) {
    absl::MutexLock lock(&mu_);
    stats_ = stats;
  }

  std::map<std::string, double> Scrape() {
    httplib::Client client("127.0.0.1", metrics_.port());
    auto page = client.Get("/metrics");
    if (!page || page->status != 200) {
      ADD_FAILURE() << "no /metrics page";
      return {};
    }
    return Samples(page->body);
  }

  absl::Mutex mu_;
  quota::QuotaSteward::Stats stats_ ABSL_GUARDED_BY(mu_);
  Metrics metrics_;
};

TEST_F(QuotaMetricsTest, TheDayBudgetRefusalsAndQueuesAreReadAtEachScrape) {
  quota::QuotaSteward::Stats stats;
  stats.waiting_calls = 12;
  stats.waiting_interactive = 2;
  stats.waiting_background = 10;
  stats.gong_requests_today = 9040;
  stats.daily_budget_left = 960;
  stats.refusals = {1, 2, 30, 4};
  SetStats(stats);

  std::map<std::string, double> samples = Scrape();

  EXPECT_THAT(Named(samples, "gong_daily_budget_left"),
              UnorderedElementsAre(Pair("gong_daily_budget_left", 960)));
  // Indexed by QuotaRefusal::Reason's value, named as the caller's ErrorInfo.
  EXPECT_THAT(
      Named(samples, "gong_quota_refusals_total"),
      UnorderedElementsAre(
          Pair("gong_quota_refusals_total{reason=\"QUOTA_QUEUE_FULL\"}", 1),
          Pair("gong_quota_refusals_total{reason=\"QUOTA_WAIT_EXCEEDS_DEADLINE\"}", 2),
          Pair("gong_quota_refusals_total{reason=\"DAILY_BUDGET_RESERVED\"}", 30),
          Pair("gong_quota_refusals_total{reason=\"GONG_DAILY_LIMIT_REACHED\"}", 4)));
  EXPECT_THAT(
      Named(samples, "gong_quota_queue_length"),
      UnorderedElementsAre(Pair("gong_quota_queue_length{priority=\"interactive\"}", 2),
                           Pair("gong_quota_queue_length{priority=\"background\"}", 10)));
  // The quota's metrics from before keep their names.
  EXPECT_THAT(samples, Contains(Pair("gong_quota_waiting_calls", 12)));
  EXPECT_THAT(samples, Contains(Pair("gong_upstream_requests_today", 9040)));

  // Read again at the next scrape: the budget spent, the refusals counted.
  stats.daily_budget_left = 0;
  stats.refusals = {1, 2, 31, 5000};
  stats.waiting_interactive = 0;
  stats.waiting_background = 0;
  SetStats(stats);
  samples = Scrape();
  EXPECT_THAT(samples, Contains(Pair("gong_daily_budget_left", 0)));
  EXPECT_THAT(
      samples,
      Contains(
          Pair("gong_quota_refusals_total{reason=\"GONG_DAILY_LIMIT_REACHED\"}", 5000)));
  EXPECT_THAT(samples,
              Contains(Pair("gong_quota_queue_length{priority=\"background\"}", 0)));
}

TEST_F(QuotaMetricsTest, WithoutADailyLimitThereIsNoBudgetSeries) {
  quota::QuotaSteward::Stats stats;
  stats.daily_budget_left = std::nullopt;
  SetStats(stats);

  const std::map<std::string, double> samples = Scrape();

  EXPECT_THAT(Named(samples, "gong_daily_budget_left"), ::testing::IsEmpty());
  // The rest is there, at 0.
  EXPECT_THAT(samples, Contains(Pair(
                           "gong_quota_refusals_total{reason=\"QUOTA_QUEUE_FULL\"}", 0)));
  EXPECT_THAT(samples,
              Contains(Pair("gong_quota_queue_length{priority=\"interactive\"}", 0)));
  EXPECT_THAT(samples, Not(Contains(Pair("gong_daily_budget_left", 0))));
}

}  // namespace
}  // namespace gong::observability
