#include "process_stats.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace gong::bench {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

// The number after `field` in a status file ("VmRSS:\t  1234 kB"), or -1.
int64_t StatusNumber(const std::string& status, const char* field) {
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (!absl::StartsWith(line, field)) continue;
    const std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    int64_t value = 0;
    if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &value)) return value;
  }
  return -1;
}

}  // namespace

int64_t ProcessStats::StatusBytes(const char* field) const {
  const int64_t kib =
      StatusNumber(ReadFile(absl::StrCat("/proc/", pid_, "/status")), field);
  return kib < 0 ? 0 : kib * 1024;
}

int64_t ProcessStats::Rss() const { return StatusBytes("VmRSS:"); }
int64_t ProcessStats::PeakRss() const { return StatusBytes("VmHWM:"); }

double ProcessStats::CpuSeconds() const {
  const std::string stat = ReadFile(absl::StrCat("/proc/", pid_, "/stat"));
  // Fields after the command name (which may hold spaces) in parentheses;
  // utime and stime are the 14th and 15th of the line. The process's
  // line includes the threads that have ended, unlike the tasks' lines.
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

SwitchesByThread ProcessStats::VoluntarySwitches() const {
  SwitchesByThread switches;
  const std::string tasks = absl::StrCat("/proc/", pid_, "/task");
  DIR* dir = opendir(tasks.c_str());
  if (dir == nullptr) return switches;  // gone
  while (const dirent* entry = readdir(dir)) {
    pid_t tid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &tid)) continue;  // "." and ".."
    // A thread may end between the listing and this read: it is skipped,
    // as if it had ended a moment earlier.
    const int64_t n = StatusNumber(ReadFile(absl::StrCat(tasks, "/", tid, "/status")),
                                   "voluntary_ctxt_switches:");
    if (n >= 0) switches[tid] = n;
  }
  closedir(dir);
  return switches;
}

SwitchesDelta Difference(const SwitchesByThread& before, const SwitchesByThread& after) {
  SwitchesDelta delta;
  for (const auto& [tid, n] : after) {
    const auto then = before.find(tid);
    // A lower count under the same id is a new thread that reused the id of
    // one that ended.
    if (then == before.end() || n < then->second) {
      ++delta.threads_born;
      delta.switches += n;
    } else {
      delta.switches += n - then->second;
    }
  }
  for (const auto& [tid, n] : before) {
    const auto now = after.find(tid);
    if (now == after.end() || now->second < n) ++delta.threads_gone;
  }
  return delta;
}

}  // namespace gong::bench
