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
//               C = 1 / (1/E + 1/U).
//   pending     --pending calls in flight against an upstream answering
//               after --pending_delay (slow-upstream, event-driven), first
//               direct, then through the facade: its peak RSS and RSS a call.
//   soak        --soak of steady load: the facade's RSS after warm-up and at
//               the end.
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
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
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
#include "load_generator.h"
#include "subprocess.h"

ABSL_FLAG(std::string, scenarios, "throughput,pending,soak,quota",
          "Which scenarios to run.");
ABSL_FLAG(std::string, concurrency, "1,16,64,256",
          "Calls in flight, one throughput step each.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2),
          "Unmeasured load before each measurement.");
ABSL_FLAG(absl::Duration, seconds, absl::Seconds(5),
          "Measured time per throughput round.");
ABSL_FLAG(int, rounds, 3, "Throughput rounds per row; the best counts.");
ABSL_FLAG(int, pending, 1000, "Calls in flight in the pending scenario.");
ABSL_FLAG(absl::Duration, pending_delay, absl::Seconds(1),
          "Upstream answer delay there.");
ABSL_FLAG(absl::Duration, pending_seconds, absl::Seconds(10), "Measured time there.");
ABSL_FLAG(absl::Duration, soak, absl::Seconds(60), "Measured time of the soak.");
ABSL_FLAG(int, soak_in_flight, 16, "Calls in flight during the soak.");
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
using gong::testing::Subprocess;
using Json = nlohmann::ordered_json;

// Targets, from the issue that asked for this benchmark.
constexpr double kMinShareOfCeiling = 0.60;  // at 64 in flight
constexpr double kMaxOwnLatencyUs = 100;     // at 1 in flight
constexpr double kMaxPendingRssMiB = 64;
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
    const std::string out = process_.Stdout() + process_.Stderr();
    const size_t at = out.find(marker) + marker.size();
    if (!absl::SimpleAtoi(out.substr(at, out.find_first_not_of("0123456789", at) - at),
                          &port_)) {
      Die("printed no port");
    }
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
  // Resident and peak resident memory (VmRSS, VmHWM) in bytes.
  int64_t Rss() { return StatusBytes("VmRSS:"); }
  int64_t PeakRss() { return StatusBytes("VmHWM:"); }
  // User plus system CPU time so far, all threads.
  double CpuSeconds() {
    std::ifstream in(absl::StrCat("/proc/", process_.pid(), "/stat"));
    const std::string stat((std::istreambuf_iterator<char>(in)),
                           std::istreambuf_iterator<char>());
    // Fields after the command name (which may hold spaces) in parentheses;
    // utime and stime are the 14th and 15th of the line.
    const size_t name_end = stat.rfind(')');
    if (name_end == std::string::npos || name_end + 2 > stat.size()) return 0;  // gone
    const std::vector<std::string> f = absl::StrSplit(stat.substr(name_end + 2), ' ');
    int64_t utime = 0, stime = 0;
    if (f.size() < 13 || !absl::SimpleAtoi(f[11], &utime) ||
        !absl::SimpleAtoi(f[12], &stime)) {
      return 0;
    }
    return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
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
  int64_t StatusBytes(absl::string_view field) {
    std::ifstream status(absl::StrCat("/proc/", process_.pid(), "/status"));
    for (std::string line; std::getline(status, line);) {
      if (!absl::StartsWith(line, field)) continue;
      int64_t kib = 0;
      std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kib)) return kib * 1024;
    }
    return 0;
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

std::unique_ptr<Server> Facade(const Server& upstream) {
  const std::string bin = absl::GetFlag(FLAGS_facade_bin).empty()
                              ? BinDir() + "/gong-flows-server"
                              : absl::GetFlag(FLAGS_facade_bin);
  // Deployed defaults (per-call log line, metrics) but the limiter off.
  return std::make_unique<Server>(
      "gong-flows-server",
      std::vector<std::string>{
          bin, "--listen=127.0.0.1:0", "--metrics_listen=127.0.0.1:0",
          absl::StrCat("--gong_base_url=http://", upstream.address()), "--gong_qps=0",
          "--drain_delay=0s"},
      "\"listen_port\":",
      std::map<std::string, std::string>{{"GONG_BEARER_TOKEN", "bench"},
                                         {"GONG_ACCESS_KEY", ""},
                                         {"GONG_ACCESS_KEY_SECRET", ""}});
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
  double server_cpu_us = -1;     // CPU time of the server measured, per call
  double generator_cpu_us = -1;  // and of this process (the load generator)
  std::string figure;            // the figure against its target, in words
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
  const std::string cpu =
      row.server_cpu_us < 0
          ? ""
          : absl::StrFormat("%.0f µs + %.0f µs", row.server_cpu_us, row.generator_cpu_us);
  std::printf("| %s | %d | %.0f | %s | %s | %s | %s | %s | %s | %s | %s |\n",
              row.scenario.c_str(), row.in_flight, r.calls_per_second,
              Format(r.mean).c_str(), Format(r.p50).c_str(), Format(r.p90).c_str(),
              Format(r.p99).c_str(), Format(r.max).c_str(), cpu.c_str(),
              Outcomes(r).c_str(), row.figure.c_str());
  std::fflush(stdout);
}

void Add(Row row) {
  PrintRow(row);
  rows.push_back(std::move(row));
}

// A load run with the CPU time it cost the server and the load generator,
// per call.
Row Metered(gong::bench::CallTarget& target, const LoadOptions& options, Server& server) {
  const double server_before = server.CpuSeconds();
  const double generator_before = SelfCpuSeconds();
  Row row;
  row.load = RunClosedLoop(target, options);
  const double calls = std::max<int64_t>(1, row.load.all_calls);
  row.server_cpu_us = (server.CpuSeconds() - server_before) * 1e6 / calls;
  row.generator_cpu_us = (SelfCpuSeconds() - generator_before) * 1e6 / calls;
  return row;
}

void KeepBest(Row* best, Row candidate) {
  if (candidate.load.calls_per_second <= best->load.calls_per_second) return;
  best->load = std::move(candidate.load);
  best->server_cpu_us = candidate.server_cpu_us;
  best->generator_cpu_us = candidate.generator_cpu_us;
}

LoadOptions Load(int in_flight, absl::Duration measured) {
  return {in_flight, absl::GetFlag(FLAGS_warmup), measured};
}

// ---- scenarios -------------------------------------------------------

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
    const LoadResult& f = row.load;
    const double ceiling =
        1 / (1 / e.load.calls_per_second + 1 / u.load.calls_per_second);
    const double share = f.calls_per_second / ceiling;
    row.figures["ceiling_calls_per_second"] = ceiling;
    row.figures["share_of_ceiling"] = share;
    row.figure = absl::StrFormat("%.0f%% of C = %.0f/s", 100 * share, ceiling);
    if (c == 64) {
      absl::StrAppendFormat(&row.figure, " (target ≥ %.0f%%: %s)",
                            100 * kMinShareOfCeiling,
                            Verdict(share >= kMinShareOfCeiling));
    }
    if (c == 1) {
      const double own_p50 = Us(f.p50) - Us(e.load.p50) - Us(u.load.p50);
      const double own_mean = Us(f.mean) - Us(e.load.mean) - Us(u.load.mean);
      row.figures["own_latency_p50_us"] = own_p50;
      row.figures["own_latency_mean_us"] = own_mean;
      absl::StrAppendFormat(
          &row.figure,
          "; own latency F−E−U: p50 %.0f µs, mean %.0f µs (target < %.0f µs: %s)",
          own_p50, own_mean, kMaxOwnLatencyUs,
          Verdict(std::min(own_p50, own_mean) < kMaxOwnLatencyUs));
    }
    Add(std::move(row));
  }
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
  const int64_t idle = facade->Rss();
  auto target = gong::bench::GrpcTarget(facade->address());
  const LoadResult r = RunClosedLoop(*target, load);
  const int64_t peak = facade->PeakRss();
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
    start = facade->Rss();
    absl::SleepFor(soak - std::min(soak / 20, absl::Milliseconds(500)));
    end = facade->Rss();
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

void Quota() {
  const int callers = absl::GetFlag(FLAGS_quota_callers);
  const std::string json_path =
      absl::StrCat("/tmp/facade_bench_quota_", getpid(), ".json");
  Subprocess quota(
      {BinDir() + "/quota_bench", absl::StrCat("--callers=", callers), "--coalesce=on",
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
      j["generator_cpu_us_per_call"] = row.generator_cpu_us;
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
      "CPU a call: server + load generator | outcomes | figure against target |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
  std::fflush(stdout);

  if (scenarios.count("throughput") && !levels.empty()) Throughput(levels);
  if (scenarios.count("pending")) Pending();
  if (scenarios.count("soak")) Soak();
  if (scenarios.count("quota")) Quota();
  WriteJson(machine);
  return failed ? 1 : 0;
}
