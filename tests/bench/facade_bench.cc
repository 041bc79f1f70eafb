// facade_bench: the facade's speed and footprint against the limits of the
// machine it runs on, everything on loopback, printed as one table (and
// written as JSON). A benchmark, not a test: it asserts no figure. It fails
// only when the run itself breaks (a process that will not start, or one
// that exits badly, as a server with leaks does under LeakSanitizer).
//
// Scenarios (--scenarios picks some):
//   throughput  at each --concurrency, three rows measured by the same
//               closed-loop generator: the trivial gRPC server (E), the
//               upstream alone over HTTP (U), the facade in front of that
//               upstream with its limiter off (F); and F against the ceiling
//               C = 1 / (1/E + 1/U). For E and F, the server's CPU time
//               and voluntary context switches a call over the measured
//               period (from /proc, process_stats.h), and F's CPU as a
//               multiple of E's; at 1 in flight, F's own latency.
//   h2load      the throughput scenario's E and F rows again, with h2load
//               (h2load_run.h) as the load instead of this process: the
//               cheapest generator there is, so its figures do not depend on
//               how heavy ours is. h2load counts HTTP statuses only; F's
//               gRPC codes come from the facade's /metrics. No upstream
//               baseline, and latency as h2load gives it (mean and max).
//   pending     --pending calls in flight against an upstream answering
//               after --pending_delay (slow-upstream, event-driven), first
//               direct, then through the facade: its peak RSS and RSS a call.
//   soak        --soak of steady load: the facade's RSS after warm-up and at
//               the end.
//   waiting     --waiting_calls calls held in the facade's quota queue
//               (Waiting() says how), checked on its /metrics: its RSS
//               idle, while they wait, and --waiting_settle after they have
//               cancelled and gone.
//   quota       quota_bench with --quota_callers single-id callers against a
//               3 calls/s upstream: ids a second as a share of 600.
//
// The facade and the upstreams are the real gong-flows-server, gong-sandbox
// and slow-upstream binaries, each in its own process, as deployed; the
// load comes from this process (load_generator.h).
#include <curl/curl.h>
#include <grpc/grpc.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "gong/flows/v1/flow_service.pb.h"
#include "h2load_run.h"
#include "held_calls.h"
#include "load_generator.h"
#include "metrics_page.h"
#include "process_stats.h"
#include "subprocess.h"

ABSL_FLAG(std::string, scenarios, "throughput,h2load,pending,soak,waiting,quota",
          "Which scenarios to run.");
ABSL_FLAG(std::string, concurrency, "1,16,64,256",
          "Calls in flight, one throughput step each.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2),
          "Unmeasured load before each measurement.");
ABSL_FLAG(absl::Duration, seconds, absl::Seconds(5),
          "Measured time per throughput round.");
ABSL_FLAG(int, rounds, 3, "Throughput rounds per row; the best counts.");
ABSL_FLAG(std::string, h2load_bin, "/usr/bin/h2load",
          "h2load, from Debian's nghttp2-client (the h2load scenario).");
ABSL_FLAG(int, pending, 1000, "Calls in flight in the pending scenario.");
ABSL_FLAG(absl::Duration, pending_delay, absl::Seconds(1),
          "Upstream answer delay there.");
ABSL_FLAG(absl::Duration, pending_seconds, absl::Seconds(10), "Measured time there.");
ABSL_FLAG(absl::Duration, soak, absl::Seconds(60), "Measured time of the soak.");
ABSL_FLAG(int, soak_in_flight, 16, "Calls in flight during the soak.");
ABSL_FLAG(int, waiting_calls, 10000,
          "Calls held waiting in the facade's quota queue in the waiting scenario "
          "(the facade's --max_pending_calls is set to it).");
ABSL_FLAG(absl::Duration, waiting_settle, absl::Seconds(3),
          "How long after the waiting calls have left their RSS is read again.");
ABSL_FLAG(int, quota_callers, 1000, "Single-id callers in the quota scenario.");
ABSL_FLAG(absl::Duration, quota_seconds, absl::Seconds(20), "Measured time there.");
ABSL_FLAG(std::string, bin_dir, "",
          "Where the build's binaries are (default: beside this one).");
ABSL_FLAG(
    std::string, facade_bin, "",
    "The facade binary (default: gong-flows-server in --bin_dir); the LeakSanitizer "
    "smoke test passes a leak-checking build.");
ABSL_FLAG(std::string, json_out, "", "Also write the results to this file as JSON.");

namespace {

using gong::bench::LoadOptions;
using gong::bench::LoadResult;
using gong::bench::ProcessStats;
using gong::e2e::Subprocess;
using Json = nlohmann::ordered_json;

// Targets, from the issue that asked for this benchmark.
constexpr double kMinShareOfCeiling = 0.60;  // at 64 in flight
constexpr double kMaxCpuRatio = 3.5;         // F's server CPU a call / E's, at 64
constexpr double kMaxSwitchesPerCall = 5;    // F's, at 1 in flight
constexpr double kMaxOwnLatencyUs = 80;      // F − E − U means, at 1 in flight
constexpr double kMaxPendingRssMiB = 64;
constexpr double kMaxWaitingRssMiB = 128;   // while 10,000 calls wait
constexpr double kMaxWaitingAfterMiB = 32;  // above idle, after they left
constexpr double kMaxSoakGrowth = 0.05;
constexpr double kMinQuotaShare = 0.95;

bool failed = false;  // a process broke; the run still finishes and prints

std::string BinDir() {
  if (!absl::GetFlag(FLAGS_bin_dir).empty()) return absl::GetFlag(FLAGS_bin_dir);
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return ".";
  const std::string path(self, n);
  return path.substr(0, path.rfind('/'));
}

// A server of the run, in its own process, stopped (and checked) on scope exit.
class Server {
 public:
  // Starts `argv` and waits for `marker` in its output, followed by its port.
  Server(std::string name, std::vector<std::string> argv, const std::string& marker,
         std::map<std::string, std::string> env = {})
      : name_(std::move(name)), process_(std::move(argv), std::move(env)) {
    if (!process_.WaitForOutput(marker, absl::Seconds(30))) Die("did not start");
    port_ = PrintedNumber(marker);
    if (port_ == 0) Die("printed no port");
  }
  ~Server() {
    process_.Signal(SIGTERM);
    const int code = process_.Wait(absl::Seconds(60));
    if (code != 0) {
      std::fprintf(stderr, "%s exited with %d; the end of its stderr:\n%s\n",
                   name_.c_str(), code, Tail(process_.Stderr()).c_str());
      failed = true;
    }
  }
  int port() const { return port_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  ProcessStats stats() const { return ProcessStats(process_.pid()); }
  // The number the server printed right after `marker` at start, or 0.
  int PrintedNumber(const std::string& marker) {
    const std::string out = process_.Stdout() + process_.Stderr();
    const size_t found = out.find(marker);
    if (found == std::string::npos) return 0;
    const size_t at = found + marker.size();
    int n = 0;
    return absl::SimpleAtoi(out.substr(at, out.find_first_not_of("0123456789", at) - at),
                            &n)
               ? n
               : 0;
  }

 private:
  static std::string Tail(const std::string& s) {
    return s.size() > 4000 ? s.substr(s.size() - 4000) : s;
  }
  [[noreturn]] void Die(const char* what) {
    std::fprintf(stderr, "%s %s:\n%s\n%s\n", name_.c_str(), what,
                 process_.Stdout().c_str(), process_.Stderr().c_str());
    std::exit(1);
  }
  const std::string name_;
  Subprocess process_;
  int port_ = 0;
};

double SelfCpuSeconds() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The sandbox answering at once: the upstream of the throughput scenarios.
std::unique_ptr<Server> FastUpstream(int connections) {
  return std::make_unique<Server>(
      "gong-sandbox",
      std::vector<std::string>{BinDir() + "/gong-sandbox", "--listen=127.0.0.1:0",
                               "--assign_all", "--log_requests=false",
                               // a thread per open connection: the load
                               // generator's and the facade's, and spares
                               absl::StrCat("--threads=", 2 * connections + 64)},
      "http://127.0.0.1:");
}

// Answers after `delay` on one event loop, however many connections wait.
std::unique_ptr<Server> SlowUpstream(absl::Duration delay) {
  return std::make_unique<Server>(
      "slow-upstream",
      std::vector<std::string>{BinDir() + "/slow-upstream",
                               absl::StrCat("--delay=", absl::FormatDuration(delay))},
      "http://127.0.0.1:");
}

// `more_flags` come last, so they win over the ones here.
std::unique_ptr<Server> Facade(const Server& upstream,
                               const std::vector<std::string>& more_flags = {}) {
  const std::string bin = absl::GetFlag(FLAGS_facade_bin).empty()
                              ? BinDir() + "/gong-flows-server"
                              : absl::GetFlag(FLAGS_facade_bin);
  // Deployed defaults (per-call log line, metrics) but the limiter off, and
  // the day's budget too: one throughput run sends more than Gong's day.
  std::vector<std::string> argv = {
      bin,
      "--listen=127.0.0.1:0",
      "--metrics_listen=127.0.0.1:0",
      absl::StrCat("--gong_base_url=http://", upstream.address()),
      "--gong_qps=0",
      "--gong_daily_limit=0",
      "--drain_delay=0s"};
  argv.insert(argv.end(), more_flags.begin(), more_flags.end());
  return std::make_unique<Server>(
      "gong-flows-server", std::move(argv), "\"listen_port\":",
      std::map<std::string, std::string>{{"GONG_BEARER_TOKEN", "bench"},
                                         {"GONG_ACCESS_KEY", ""},
                                         {"GONG_ACCESS_KEY_SECRET", ""}});
}

// The facade's /metrics address (HOST:PORT), from its start-up line.
std::string MetricsAddress(Server& facade) {
  return absl::StrCat("127.0.0.1:", facade.PrintedNumber("\"metrics_port\":"));
}

std::unique_ptr<Server> TrivialServer() {
  return std::make_unique<Server>(
      "trivial-flows-server",
      std::vector<std::string>{BinDir() + "/trivial-flows-server"}, "listening on port ");
}

// ---- the table -------------------------------------------------------

struct Row {
  std::string scenario;
  int in_flight = 0;
  LoadResult load;
  // Over the measured period, per call completed in it:
  double server_cpu_us = -1;            // CPU time of the server measured
  double generator_cpu_us = -1;         // and of this process (the load generator)
  double server_switches = -1;          // the server's voluntary context switches
  gong::bench::SwitchesDelta switches;  // their count, and threads born and gone
  std::string figure;                   // the figure against its target, in words
  Json figures = Json::object();
};

std::vector<Row> rows;

Row MakeRow(std::string scenario, int in_flight, LoadResult load) {
  Row row;
  row.scenario = std::move(scenario);
  row.in_flight = in_flight;
  row.load = std::move(load);
  return row;
}

double Us(absl::Duration d) { return absl::ToDoubleMicroseconds(d); }
double MiB(int64_t bytes) { return bytes / 1048576.0; }

std::string Format(absl::Duration d) {
  if (d == absl::ZeroDuration()) return "–";  // not measured
  if (d < absl::Milliseconds(10)) return absl::StrFormat("%.0f µs", Us(d));
  return absl::StrFormat("%.1f ms", absl::ToDoubleMilliseconds(d));
}

std::string Outcomes(const LoadResult& r) {
  return absl::StrJoin(r.outcomes, ", ", [](std::string* out, const auto& kv) {
    absl::StrAppend(out, kv.first, " ", kv.second);
  });
}

const char* Verdict(bool met) { return met ? "met" : "MISSED"; }

void PrintRow(const Row& row) {
  const LoadResult& r = row.load;
  std::string cpu;
  if (row.server_cpu_us >= 0) {
    cpu = absl::StrFormat("%.0f µs + ", row.server_cpu_us);
    absl::StrAppend(&cpu, row.generator_cpu_us < 0
                              ? "–"
                              : absl::StrFormat("%.0f µs", row.generator_cpu_us));
  }
  std::string switches;
  if (row.server_switches >= 0) {
    switches = absl::StrFormat("%.1f", row.server_switches);
    // Threads that ended in the period took their switches with them.
    if (row.switches.threads_born > 0 || row.switches.threads_gone > 0) {
      absl::StrAppendFormat(&switches, " (threads +%d −%d)", row.switches.threads_born,
                            row.switches.threads_gone);
    }
  }
  std::printf("| %s | %d | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
              row.scenario.c_str(), row.in_flight, r.calls_per_second,
              Format(r.mean).c_str(), Format(r.p50).c_str(), Format(r.p90).c_str(),
              Format(r.p99).c_str(), Format(r.max).c_str(), cpu.c_str(), switches.c_str(),
              Outcomes(r).c_str(), row.figure.c_str());
  std::fflush(stdout);
}

void Add(Row row) {
  PrintRow(row);
  rows.push_back(std::move(row));
}

// A server's counters (from /proc), read as a measured period begins or
// ends.
struct ServerReading {
  double cpu_seconds = 0;
  gong::bench::SwitchesByThread switches;
};

ServerReading Read(const ProcessStats& stats) {
  return {stats.CpuSeconds(), stats.VoluntarySwitches()};
}

// What the period between `begin` and `end` cost the server per call
// completed in it (row->load.calls): CPU time and voluntary context
// switches.
void SetServerCost(const ServerReading& begin, const ServerReading& end, Row* row) {
  const double calls = std::max<int64_t>(1, row->load.calls);
  row->server_cpu_us = (end.cpu_seconds - begin.cpu_seconds) * 1e6 / calls;
  row->switches = gong::bench::Difference(begin.switches, end.switches);
  row->server_switches = row->switches.switches / calls;
}

// A load run with what it cost the server (SetServerCost) and the load
// generator (this process's CPU time, from getrusage) per call completed in
// the measured period, all read as the period begins and ends.
Row Metered(gong::bench::CallTarget& target, LoadOptions options, Server& server) {
  const ProcessStats stats = server.stats();
  ServerReading begin, end;
  double generator_cpu = 0;
  options.at_measure_start = [&] {
    begin = Read(stats);
    generator_cpu = SelfCpuSeconds();
  };
  options.at_measure_end = [&] {
    end = Read(stats);
    generator_cpu = SelfCpuSeconds() - generator_cpu;
  };
  Row row;
  row.load = RunClosedLoop(target, options);
  SetServerCost(begin, end, &row);
  row.generator_cpu_us = generator_cpu * 1e6 / std::max<int64_t>(1, row.load.calls);
  return row;
}

// Keeps the round with the most calls a second, figures and all.
void KeepBest(Row* best, Row candidate) {
  if (candidate.load.calls_per_second <= best->load.calls_per_second) return;
  candidate.scenario = std::move(best->scenario);
  candidate.in_flight = best->in_flight;
  *best = std::move(candidate);
}

LoadOptions Load(int in_flight, absl::Duration measured) {
  return {in_flight, absl::GetFlag(FLAGS_warmup), measured};
}

// ---- scenarios -------------------------------------------------------

// F's calls a second against C = 1 / (1/E + 1/U): what the facade could do
// if it cost exactly one trivial gRPC call plus one HTTP request.
void AddCeilingFigure(const Row& e, const Row& u, int in_flight, Row* f) {
  const double ceiling = 1 / (1 / e.load.calls_per_second + 1 / u.load.calls_per_second);
  const double share = f->load.calls_per_second / ceiling;
  f->figures["ceiling_calls_per_second"] = ceiling;
  f->figures["share_of_ceiling"] = share;
  f->figure = absl::StrFormat("%.0f%% of C = %.0f/s", 100 * share, ceiling);
  if (in_flight == 64) {
    absl::StrAppendFormat(&f->figure, " (target ≥ %.0f%%: %s)", 100 * kMinShareOfCeiling,
                          Verdict(share >= kMinShareOfCeiling));
  }
}

// F's server CPU a call as a multiple of E's (targets at 64 in flight), and
// its voluntary context switches a call (target at 1 in flight).
void AddCostFigures(const Row& e, int in_flight, Row* f) {
  const double ratio = f->server_cpu_us / std::max(e.server_cpu_us, 1e-9);
  f->figures["server_cpu_ratio_to_trivial"] = ratio;
  if (!f->figure.empty()) f->figure += "; ";
  absl::StrAppendFormat(&f->figure, "server CPU %.1fx E's", ratio);
  if (in_flight == 64) {
    absl::StrAppendFormat(&f->figure, " (target ≤ %.1fx: %s)", kMaxCpuRatio,
                          Verdict(ratio <= kMaxCpuRatio));
  }
  absl::StrAppendFormat(&f->figure, "; %.1f voluntary switches a call (E %.1f)",
                        f->server_switches, e.server_switches);
  if (in_flight == 1) {
    absl::StrAppendFormat(&f->figure, " (target ≤ %.0f: %s)", kMaxSwitchesPerCall,
                          Verdict(f->server_switches <= kMaxSwitchesPerCall));
  }
}

// At 1 in flight, the latency the facade adds to a gRPC call and an HTTP
// request: F − (E + U). The target is on the means; p50 is shown beside.
void AddOwnLatencyFigure(const Row& e, const Row& u, Row* f) {
  const double own_p50 = Us(f->load.p50) - Us(e.load.p50) - Us(u.load.p50);
  const double own_mean = Us(f->load.mean) - Us(e.load.mean) - Us(u.load.mean);
  f->figures["own_latency_p50_us"] = own_p50;
  f->figures["own_latency_mean_us"] = own_mean;
  absl::StrAppendFormat(&f->figure,
                        "; own latency F−E−U: mean %.0f µs (target ≤ %.0f µs: %s), p50 "
                        "%.0f µs",
                        own_mean, kMaxOwnLatencyUs, Verdict(own_mean <= kMaxOwnLatencyUs),
                        own_p50);
}

void Throughput(const std::vector<int>& levels) {
  const int most = *std::max_element(levels.begin(), levels.end());
  auto upstream = FastUpstream(most);
  auto trivial = TrivialServer();
  auto facade = Facade(*upstream);
  auto grpc_baseline = gong::bench::GrpcTarget(trivial->address());
  auto http_baseline =
      gong::bench::HttpTarget(absl::StrCat("http://", upstream->address()));
  auto facade_target = gong::bench::GrpcTarget(facade->address());
  const absl::Duration measured = absl::GetFlag(FLAGS_seconds);

  const int rounds = std::max(1, absl::GetFlag(FLAGS_rounds));
  for (int c : levels) {
    // Rounds interleave the three so that a slow spell of this shared
    // machine hits all of them; each keeps its best round.
    Row e = MakeRow("gRPC baseline (trivial server) = E", c, {});
    Row u = MakeRow("upstream baseline (HTTP, sandbox) = U", c, {});
    Row row = MakeRow("facade, limiter off = F", c, {});
    for (int round = 0; round < rounds; ++round) {
      KeepBest(&e, Metered(*grpc_baseline, Load(c, measured), *trivial));
      KeepBest(&u, Metered(*http_baseline, Load(c, measured), *upstream));
      KeepBest(&row, Metered(*facade_target, Load(c, measured), *facade));
    }
    Add(e);
    Add(u);
    AddCeilingFigure(e, u, c, &row);
    AddCostFigures(e, c, &row);
    if (c == 1) AddOwnLatencyFigure(e, u, &row);
    Add(std::move(row));
  }
}

// A metered h2load run against `server` (see Metered): calls are the
// requests h2load saw answered, outcomes the gRPC codes the server counted
// when `metrics` (its /metrics address) is given, else h2load's HTTP 2xx.
std::optional<Row> MeteredH2load(Server& server, const std::string& body_file,
                                 int streams, const std::string& metrics = "") {
  constexpr char kPath[] = "/gong.flows.v1.FlowService/UnassignByInstanceIds";
  const std::string h2load = absl::GetFlag(FLAGS_h2load_bin);
  // A warm-up run first: connections, caches, the allocator's arenas.
  if (!gong::bench::RunH2load(h2load, server.address(), kPath, body_file, streams,
                              absl::GetFlag(FLAGS_warmup))) {
    return std::nullopt;
  }
  auto codes = [&metrics] {
    std::optional<std::string> page = gong::bench::FetchMetrics(metrics);
    return page ? gong::bench::MetricByLabel(*page, "grpc_server_handled_total",
                                             "grpc_code")
                : std::map<std::string, double>();
  };
  const std::map<std::string, double> codes_before =
      metrics.empty() ? std::map<std::string, double>() : codes();
  const ProcessStats stats = server.stats();
  const ServerReading begin = Read(stats);
  const std::optional<gong::bench::H2loadResult> h = gong::bench::RunH2load(
      h2load, server.address(), kPath, body_file, streams, absl::GetFlag(FLAGS_seconds));
  const ServerReading end = Read(stats);
  if (!h) return std::nullopt;

  Row row;
  row.load.calls = h->done;
  row.load.calls_per_second = h->requests_per_second;
  row.load.mean = h->mean;
  row.load.max = h->max;
  if (metrics.empty()) {
    row.load.outcomes["HTTP 2xx"] = h->succeeded;
  } else {
    for (const auto& [code, count] : codes()) {
      const auto before = codes_before.find(code);
      const double n = count - (before == codes_before.end() ? 0 : before->second);
      if (n > 0) row.load.outcomes[code] = static_cast<int64_t>(n);
    }
  }
  SetServerCost(begin, end, &row);
  row.generator_cpu_us = -1;  // h2load's own is not measured
  return row;
}

void H2load(const std::vector<int>& levels) {
  const int most = *std::max_element(levels.begin(), levels.end());
  auto upstream = FastUpstream(most);
  auto trivial = TrivialServer();
  auto facade = Facade(*upstream);
  const std::string metrics = MetricsAddress(*facade);
  // Every stream sends the same request: one id, as in the throughput rows.
  gong::flows::v1::UnassignByInstanceIdsRequest request;
  request.add_flow_instance_ids("1001");
  const std::string body_file =
      absl::StrCat("/tmp/facade_bench_h2load_", getpid(), ".bin");
  std::ofstream(body_file, std::ios::binary)
      << gong::bench::GrpcFrame(request.SerializeAsString());

  const int rounds = std::max(1, absl::GetFlag(FLAGS_rounds));
  for (int c : levels) {
    Row e = MakeRow("h2load: gRPC baseline (trivial server) = E", c, {});
    Row f = MakeRow("h2load: facade, limiter off = F", c, {});
    for (int round = 0; round < rounds; ++round) {
      std::optional<Row> e_round = MeteredH2load(*trivial, body_file, c);
      std::optional<Row> f_round = MeteredH2load(*facade, body_file, c, metrics);
      if (!e_round || !f_round) {
        failed = true;
        std::remove(body_file.c_str());
        return;
      }
      KeepBest(&e, *std::move(e_round));
      KeepBest(&f, *std::move(f_round));
    }
    Add(e);
    AddCostFigures(e, c, &f);
    Add(std::move(f));
  }
  std::remove(body_file.c_str());
}

void Pending() {
  const int pending = absl::GetFlag(FLAGS_pending);
  const absl::Duration delay = absl::GetFlag(FLAGS_pending_delay);
  auto upstream = SlowUpstream(delay);
  // The upstream alone first: what the facade's row should look like.
  // A warm-up of a few delays: the first calls also wait for connections
  // (curl holds all but one back until the first answer shows whether the
  // upstream can multiplex), which is not the steady state measured here.
  const LoadOptions load = {pending, std::max(absl::GetFlag(FLAGS_warmup), 3 * delay),
                            absl::GetFlag(FLAGS_pending_seconds)};
  auto direct = gong::bench::HttpTarget(absl::StrCat("http://", upstream->address()));
  Add(MakeRow(absl::StrCat("upstream alone, ", pending, " pending"), pending,
              RunClosedLoop(*direct, load)));
  direct.reset();  // closes its connections

  auto facade = Facade(*upstream);
  const int64_t idle = facade->stats().Rss();
  auto target = gong::bench::GrpcTarget(facade->address());
  const LoadResult r = RunClosedLoop(*target, load);
  const int64_t peak = facade->stats().PeakRss();
  const double per_call = static_cast<double>(peak - idle) / pending;

  Row row = MakeRow(absl::StrCat("facade, ", pending, " pending (upstream answers after ",
                                 absl::FormatDuration(delay), ")"),
                    pending, r);
  row.figures["idle_rss_bytes"] = idle;
  row.figures["peak_rss_bytes"] = peak;
  row.figures["rss_per_pending_call_bytes"] = per_call;
  row.figure = absl::StrFormat(
      "peak RSS %.1f MiB (idle %.1f MiB; target < %.0f MiB: %s); %.1f KiB a pending call",
      MiB(peak), MiB(idle), kMaxPendingRssMiB, Verdict(MiB(peak) < kMaxPendingRssMiB),
      per_call / 1024);
  Add(std::move(row));
}

void Soak() {
  const int in_flight = absl::GetFlag(FLAGS_soak_in_flight);
  const absl::Duration warmup = absl::GetFlag(FLAGS_warmup);
  const absl::Duration soak = absl::GetFlag(FLAGS_soak);
  auto upstream = FastUpstream(in_flight);
  auto facade = Facade(*upstream);
  auto target = gong::bench::GrpcTarget(facade->address());

  // RSS once the warm-up is over, and again just before the load stops.
  int64_t start = 0, end = 0;
  std::thread sampler([&] {
    absl::SleepFor(warmup);
    start = facade->stats().Rss();
    absl::SleepFor(soak - std::min(soak / 20, absl::Milliseconds(500)));
    end = facade->stats().Rss();
  });
  const LoadResult r = RunClosedLoop(*target, Load(in_flight, soak));
  sampler.join();
  const double growth = start > 0 ? static_cast<double>(end - start) / start : 0;

  Row row =
      MakeRow(absl::StrCat("facade, soak of ", absl::FormatDuration(soak)), in_flight, r);
  row.figures["rss_start_bytes"] = start;
  row.figures["rss_end_bytes"] = end;
  row.figures["rss_growth"] = growth;
  row.figure = absl::StrFormat("RSS %.1f → %.1f MiB, %+.1f%% (target < %.0f%%: %s)",
                               MiB(start), MiB(end), 100 * growth, 100 * kMaxSoakGrowth,
                               Verdict(growth < kMaxSoakGrowth));
  Add(std::move(row));
}

// The facade's gauge of calls waiting in its quota queue, polled until
// `reached` holds or `timeout` passes: the last value read (-1: /metrics
// could not be read).
int64_t AwaitWaitingCalls(const std::string& metrics_address,
                          const std::function<bool(int64_t)>& reached,
                          absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  int64_t waiting = -1;
  while (true) {
    const std::optional<std::string> page = gong::bench::FetchMetrics(metrics_address);
    waiting = page ? static_cast<int64_t>(
                         gong::bench::MetricSum(*page, "gong_quota_waiting_calls"))
                   : -1;
    if (reached(waiting) || absl::Now() >= give_up) return waiting;
    absl::SleepFor(absl::Milliseconds(100));
  }
}

// N calls waiting in the quota queue: what the facade holds for them, and
// whether it gives it back once they have gone.
//
// How they are held: the upstream answers after a day and the facade sends
// one Gong request at a time (--max_gong_in_flight=1), so the first of
// N + 1 calls goes to "Gong" and stays there and the other N wait in the
// queue behind it, where calls wait for Gong's rate limit. --gong_qps=1 and
// --coalesce=false make that queue its worst case, a request per call; the
// callers' deadline of a day keeps the steward from refusing them because
// their turn (the N-th is N seconds away at 1 a second) would come too
// late. --max_pending_calls=N lets exactly N wait (10,000 is its default),
// so the gauge reading N means every one of them is there; the callers hold
// them all on one channel, so --max_concurrent_streams (1000 by default)
// is raised to N + 1 to let them in. The callers
// then cancel, their channel closes, and after --waiting_settle the RSS is
// read again.
void Waiting() {
  const int n = absl::GetFlag(FLAGS_waiting_calls);
  const absl::Duration settle = absl::GetFlag(FLAGS_waiting_settle);
  const absl::Duration day = absl::Hours(24);
  auto upstream = SlowUpstream(day);
  auto facade =
      Facade(*upstream, {"--gong_qps=1", "--coalesce=false", "--max_gong_in_flight=1",
                         absl::StrCat("--max_pending_calls=", n),
                         absl::StrCat("--max_concurrent_streams=", n + 1)});
  const std::string metrics = MetricsAddress(*facade);
  const ProcessStats stats = facade->stats();
  const int64_t idle = stats.Rss();

  auto callers = std::make_unique<gong::bench::HeldCalls>(facade->address());
  callers->Start(n + 1, day);
  const int64_t waiting = AwaitWaitingCalls(
      metrics, [n](int64_t w) { return w >= n; }, absl::Minutes(2));
  const int64_t held = stats.Rss();
  callers->CancelAll();
  const bool all_ended = callers->AwaitEnded(n + 1, absl::Minutes(1));
  Row row =
      MakeRow(absl::StrCat("facade, ", n, " calls waiting in the quota queue"), n, {});
  row.load.outcomes = callers->Outcomes();
  callers.reset();  // closes their channel: the callers have gone
  const int64_t left = AwaitWaitingCalls(
      metrics, [](int64_t w) { return w == 0; }, absl::Minutes(1));
  absl::SleepFor(settle);
  const int64_t after = stats.Rss();
  if (waiting != n || !all_ended || left != 0) {
    // Not the scenario it claims to be: say so rather than print figures.
    std::fprintf(stderr,
                 "waiting: the facade's gauge read %lld of %d calls waiting, then %lld "
                 "after they cancelled; all ended: %s\n",
                 static_cast<long long>(waiting), n, static_cast<long long>(left),
                 all_ended ? "yes" : "no");
    failed = true;
  }

  const double per_call = static_cast<double>(held - idle) / std::max(n, 1);
  row.figures["waiting_calls_seen"] = waiting;
  row.figures["idle_rss_bytes"] = idle;
  row.figures["held_rss_bytes"] = held;
  row.figures["rss_per_waiting_call_bytes"] = per_call;
  row.figures["after_rss_bytes"] = after;
  row.figures["after_seconds"] = absl::ToDoubleSeconds(settle);
  row.figure = absl::StrFormat(
      "RSS held %.1f MiB (target ≤ %.0f MiB: %s), idle %.1f MiB, %.1f KiB a waiting "
      "call; %s after they left %.1f MiB = idle %+.1f MiB (target ≤ idle + %.0f MiB: %s)",
      MiB(held), kMaxWaitingRssMiB, Verdict(MiB(held) <= kMaxWaitingRssMiB), MiB(idle),
      per_call / 1024, absl::FormatDuration(settle), MiB(after), MiB(after - idle),
      kMaxWaitingAfterMiB, Verdict(MiB(after - idle) <= kMaxWaitingAfterMiB));
  Add(std::move(row));
}

void Quota() {
  const int callers = absl::GetFlag(FLAGS_quota_callers);
  const std::string json_path =
      absl::StrCat("/tmp/facade_bench_quota_", getpid(), ".json");
  Subprocess quota(
      {BinDir() + "/quota_bench", absl::StrCat("--callers=", callers), "--coalescing=on",
       absl::StrCat("--seconds=",
                    absl::FormatDuration(absl::GetFlag(FLAGS_quota_seconds))),
       absl::StrCat("--json_out=", json_path)});
  const absl::Duration limit = absl::GetFlag(FLAGS_quota_seconds) + absl::Minutes(2);
  if (quota.Wait(limit) != 0) {
    std::fprintf(stderr, "quota_bench failed:\n%s\n", quota.Stderr().c_str());
    failed = true;
    return;
  }
  std::ifstream in(json_path);
  const Json result = Json::parse(in, nullptr, false);
  std::remove(json_path.c_str());
  if (!result.is_array() || result.empty()) {
    std::fprintf(stderr, "quota_bench wrote no rows\n");
    failed = true;
    return;
  }
  const Json& q = result[0];
  Row row =
      MakeRow("facade, quota: single-id callers vs a 3 calls/s upstream", callers, {});
  row.figures = q;
  row.load.calls_per_second = q.value("calls_per_second", 0.0);
  row.load.p50 = absl::Microseconds(q.value("p50_us", 0.0));
  row.load.p99 = absl::Microseconds(q.value("p99_us", 0.0));
  const Json outcomes = q.value("outcomes", Json::object());
  for (const auto& [code, count] : outcomes.items()) {
    row.load.outcomes[code] = count.get<int64_t>();
  }
  const double share = q.value("ids_per_second", 0.0) / 600;
  row.figure = absl::StrFormat("%.0f ids/s = %.1f%% of 600 (target ≥ %.0f%%: %s)",
                               q.value("ids_per_second", 0.0), 100 * share,
                               100 * kMinQuotaShare, Verdict(share >= kMinQuotaShare));
  Add(std::move(row));
}

// ---- the machine and the JSON ------------------------------------------

Json Machine() {
  Json machine;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (absl::StartsWith(line, "model name")) {
      machine["cpu"] = line.substr(line.find(':') + 2);
      break;
    }
  }
  machine["cores"] = std::thread::hardware_concurrency();
  struct utsname u;
  if (uname(&u) == 0) machine["kernel"] = absl::StrCat(u.sysname, " ", u.release);
  machine["date"] =
      absl::FormatTime("%Y-%m-%d %H:%M UTC", absl::Now(), absl::UTCTimeZone());
  return machine;
}

void WriteJson(const Json& machine) {
  const std::string path = absl::GetFlag(FLAGS_json_out);
  if (path.empty()) return;
  Json out;
  out["machine"] = machine;
  out["rows"] = Json::array();
  for (const Row& row : rows) {
    const LoadResult& r = row.load;
    Json j;
    j["scenario"] = row.scenario;
    j["in_flight"] = row.in_flight;
    j["calls"] = r.calls;
    j["calls_per_second"] = r.calls_per_second;
    j["mean_us"] = Us(r.mean);
    j["p50_us"] = Us(r.p50);
    j["p90_us"] = Us(r.p90);
    j["p99_us"] = Us(r.p99);
    j["max_us"] = Us(r.max);
    if (row.server_cpu_us >= 0) {
      j["server_cpu_us_per_call"] = row.server_cpu_us;
      if (row.generator_cpu_us >= 0)
        j["generator_cpu_us_per_call"] = row.generator_cpu_us;
      j["server_voluntary_switches_per_call"] = row.server_switches;
      j["server_threads_born"] = row.switches.threads_born;
      j["server_threads_gone"] = row.switches.threads_gone;
    }
    j["outcomes"] = r.outcomes;
    j["figure"] = row.figure;
    j["figures"] = row.figures;
    out["rows"].push_back(std::move(j));
  }
  std::ofstream(path) << out.dump(2) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  // As in server/app/main.cc: Debian's abseil leaves the deadlock detector on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Held for the whole run, never shut down: each scenario makes its own
  // channel, and had gRPC shut down each time the last one went, the
  // callback threads still finishing its calls would race the shutdown
  // (seen as crashes on a busy machine).
  grpc_init();
  absl::ParseCommandLine(argc, argv);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  signal(SIGPIPE, SIG_IGN);
  std::vector<int> levels;
  for (absl::string_view n : absl::StrSplit(absl::GetFlag(FLAGS_concurrency), ',')) {
    int v;
    if (absl::SimpleAtoi(n, &v) && v > 0) levels.push_back(v);
  }
  const std::set<std::string> scenarios =
      absl::StrSplit(absl::GetFlag(FLAGS_scenarios), ',');

  const Json machine = Machine();
  std::printf(
      "%s, %d cores, %s; %s. Closed loop, %s warm-up, best of %d rounds of %s per "
      "throughput row.\n\n",
      machine.value("cpu", "unknown CPU").c_str(), machine["cores"].get<int>(),
      machine.value("kernel", "").c_str(), machine["date"].get<std::string>().c_str(),
      absl::FormatDuration(absl::GetFlag(FLAGS_warmup)).c_str(),
      absl::GetFlag(FLAGS_rounds),
      absl::FormatDuration(absl::GetFlag(FLAGS_seconds)).c_str());
  std::printf(
      "| scenario | in flight | calls/s | mean | p50 | p90 | p99 | max | "
      "CPU a call: server + load generator | server voluntary switches a call | "
      "outcomes | figure against target |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
  std::fflush(stdout);

  if (scenarios.count("throughput") && !levels.empty()) Throughput(levels);
  if (scenarios.count("h2load") && !levels.empty()) H2load(levels);
  if (scenarios.count("pending")) Pending();
  if (scenarios.count("soak")) Soak();
  if (scenarios.count("waiting")) Waiting();
  if (scenarios.count("quota")) Quota();
  WriteJson(machine);
  return failed ? 1 : 0;
}
