#include "run_summary.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "commands.h"
#include "many_id_command.h"

namespace gong::cli {
namespace {

// At most this many of the ids in doubt are named; the rest are in
// --results.
constexpr size_t kUnknownNamed = 20;

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

bool IsRefusal(IdOutcome outcome, bool still_assigned_refused) {
  switch (outcome) {
    case IdOutcome::kFailed:
    case IdOutcome::kNotAssigned:
    case IdOutcome::kUnknown:
      return true;
    case IdOutcome::kStillAssigned:
      return still_assigned_refused;
    default:
      return false;
  }
}

std::string Utc(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", time, absl::UTCTimeZone());
}

}  // namespace

std::string SummaryText(const Summary& s) {
  const RunReport& r = s.report;
  std::vector<std::string> counts;
  for (const auto& [outcome, count] : r.outcomes) {
    counts.push_back(absl::StrCat(OutcomeName(outcome), " ", count));
  }
  std::string text = absl::StrCat(
      "gong-flows ", s.command, ": ", r.Done(), " of ", r.total, " ids answered in ",
      absl::FormatDuration(absl::Trunc(s.elapsed, s.elapsed < absl::Seconds(1)
                                                      ? absl::Milliseconds(1)
                                                      : absl::Milliseconds(100))),
      counts.empty() ? "" : ": ", absl::StrJoin(counts, ", "),
      "; Gong calls used: ", r.gong_request_ids.size());
  if (s.duplicates > 0) absl::StrAppend(&text, "; duplicates dropped: ", s.duplicates);
  if (s.already_done > 0) {
    absl::StrAppend(&text, "; already answered in ", s.results_path, ": ",
                    s.already_done);
  }
  if (s.settled > 0) {
    absl::StrAppend(&text, "; calls the facade settled from Gong's state: ", s.settled);
  }
  if (s.replayed > 0) {
    absl::StrAppend(&text, "; answers replayed by the facade: ", s.replayed);
  }
  text += "\n";
  if (!r.unknown_ids.empty()) {
    const size_t named = std::min(r.unknown_ids.size(), kUnknownNamed);
    absl::StrAppend(
        &text, "unknown (Gong may have acted; look in Gong before sending again): ",
        absl::StrJoin(r.unknown_ids.begin(), r.unknown_ids.begin() + named, " "),
        r.unknown_ids.size() > named
            ? absl::StrCat(" and ", r.unknown_ids.size() - named, " more (see ",
                           s.results_path.empty() ? "--results" : s.results_path, ")")
            : "",
        "\n");
  }
  if (r.stopped) {
    absl::StrAppend(&text, "stopped before the end: ", r.stop_reason, "; ",
                    r.total - r.Done(), " ids without an answer\n");
    if (s.resume_command.empty()) {
      text +=
          "without --results nothing records which ids were answered: give "
          "--results=FILE to make a run resumable\n";
    } else {
      absl::StrAppend(&text, "resume",
                      r.resume_after == absl::InfinitePast()
                          ? ""
                          : absl::StrCat(" after ", Utc(r.resume_after)),
                      " with", s.ids_from_stdin ? " (the same ids on stdin)" : "",
                      ":\n  ", s.resume_command, "\n");
    }
  }
  return text;
}

std::string SummaryJson(const Summary& s) {
  const RunReport& r = s.report;
  std::vector<std::string> counts;
  for (const auto& [outcome, count] : r.outcomes) {
    counts.push_back(absl::StrCat(JsonString(OutcomeName(outcome)), ":", count));
  }
  std::vector<std::string> unknown;
  for (const std::string& id : r.unknown_ids) unknown.push_back(JsonString(id));
  std::string json = absl::StrCat(
      "{\"summary\":{\"command\":", JsonString(s.command), ",\"total\":", r.total,
      ",\"done\":", r.Done(), ",\"outcomes\":{", absl::StrJoin(counts, ","),
      "},\"gong_calls\":", r.gong_request_ids.size(),
      ",\"seconds\":", absl::ToDoubleSeconds(s.elapsed), ",\"duplicates\":", s.duplicates,
      ",\"already_done\":", s.already_done, ",\"settled\":", s.settled,
      ",\"replayed\":", s.replayed, ",\"unknown_ids\":[", absl::StrJoin(unknown, ","),
      "]", ",\"stopped\":", r.stopped ? "true" : "false");
  if (r.stopped) {
    absl::StrAppend(&json, ",\"stop_reason\":", JsonString(r.stop_reason));
    if (r.resume_after != absl::InfinitePast()) {
      absl::StrAppend(&json, ",\"resume_after\":",
                      JsonString(absl::FormatTime("%Y-%m-%d%ET%H:%M:%SZ", r.resume_after,
                                                  absl::UTCTimeZone())));
    }
    if (!s.resume_command.empty()) {
      absl::StrAppend(&json, ",\"resume_command\":", JsonString(s.resume_command));
    }
  }
  absl::StrAppend(&json, ",\"exit\":", SummaryExit(s), "}}");
  return json;
}

int SummaryExit(const Summary& s) {
  if (s.report.stopped) return kIncompleteExit;
  for (const auto& [outcome, count] : s.report.outcomes) {
    if (count > 0 && IsRefusal(outcome, s.still_assigned_refused))
      return kSomeRefusedExit;
  }
  return 0;
}

std::string ResumeCommand(const std::vector<std::string>& argv) {
  std::vector<std::string> words = {"gong-flows"};
  bool has_resume = false;
  for (const std::string& arg : argv) {
    if (arg == "--resume" || arg == "-resume" || arg == "--resume=true")
      has_resume = true;
    const bool plain = !arg.empty() && arg.find_first_not_of(
                                           "abcdefghijklmnopqrstuvwxyz"
                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                           "-_=./:,@+%") == std::string::npos;
    if (plain) {
      words.push_back(arg);
      continue;
    }
    std::string quoted = "'";
    for (const char c : arg) {
      if (c == '\'') {
        quoted += "'\\''";
      } else {
        quoted += c;
      }
    }
    words.push_back(quoted + "'");
  }
  if (!has_resume) words.push_back("--resume");
  return absl::StrJoin(words, " ");
}

}  // namespace gong::cli
