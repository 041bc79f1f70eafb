#include "results_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "idempotency_key.h"
#include "nlohmann/json.hpp"
#include "whole_file.h"

namespace gong::cli {
namespace {

// Writes all of `data` at the file's end: one write(2) for a line as long
// as the kernel takes it whole (it does for a regular file short of a full
// disk); interrupted or partial writes are carried on.
absl::Status WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "write");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Whether the file ends in the middle of a line: the last byte of a
// non-empty file is not a newline.
absl::StatusOr<bool> EndsTorn(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return absl::ErrnoToStatus(errno, "fstat");
  if (st.st_size == 0) return false;
  char last;
  while (true) {
    const ssize_t n = pread(fd, &last, 1, st.st_size - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "pread");
    return n == 1 && last != '\n';
  }
}

// One line of the file, or nullopt when it is not a JSON object with a
// string id and a known outcome (a torn line, a line of something else).
std::optional<IdResult> ParseLine(absl::string_view text) {
  const nlohmann::json line = nlohmann::json::parse(text, nullptr, false);
  if (!line.is_object()) return std::nullopt;
  const auto string_field = [&line](const char* name) -> const std::string* {
    auto it = line.find(name);
    if (it == line.end() || !it->is_string()) return nullptr;
    return it->get_ptr<const std::string*>();
  };
  const std::string* id = string_field("id");
  const std::string* outcome_name = string_field("outcome");
  if (id == nullptr || outcome_name == nullptr) return std::nullopt;
  std::optional<IdOutcome> outcome = OutcomeFromName(*outcome_name);
  if (!outcome.has_value()) return std::nullopt;
  IdResult result;
  result.id = *id;
  result.outcome = *outcome;
  // A key not fit to be sent again (tampered, torn) is no key: the ids it
  // marked are then settled as a keyless run's are.
  if (const std::string* key = string_field("key");
      key != nullptr && *outcome == IdOutcome::kSending && IsValidIdempotencyKey(*key)) {
    result.key = *key;
  }
  return result;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ResultsFile>> ResultsFile::Open(const std::string& path) {
  // O_APPEND: every write lands at the end, whatever else has the file.
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot open --results=", path, ": ", std::strerror(errno)));
  }
  absl::StatusOr<bool> torn = EndsTorn(fd);
  absl::Status ended = torn.status();
  // The torn line keeps its bytes (ReadResults skips it); the newline makes
  // sure the next line is not glued to it.
  if (ended.ok() && *torn) ended = WriteAll(fd, "\n");
  if (!ended.ok()) {
    close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat("cannot append to --results=", path, ": ", ended.message()));
  }
  return std::unique_ptr<ResultsFile>(new ResultsFile(fd));
}

ResultsFile::ResultsFile(int fd) : fd_(fd) {}

ResultsFile::~ResultsFile() { close(fd_); }

absl::Status ResultsFile::Write(const IdResult& result) {
  nlohmann::json line = {{"id", result.id}, {"outcome", OutcomeName(result.outcome)}};
  if (!result.request_id.empty()) line["request_id"] = result.request_id;
  if (!result.reason.empty()) line["reason"] = result.reason;
  if (!result.key.empty()) line["key"] = result.key;
  // Replacing bytes that are not UTF-8 (an id ReadIds let through cannot
  // hold any; Gong's text could) rather than throwing: the line is written
  // whatever it holds.
  const std::string text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return WriteAll(fd_, text);
}

absl::StatusOr<ResultsLog> ReadResultsLog(const std::string& path, size_t* skipped) {
  absl::StatusOr<std::string> text = internal::ReadWholeFile(path);
  if (!text.ok()) {
    return absl::Status(
        text.status().code(),
        absl::StrCat("cannot read --results=", path, ": ", text.status().message()));
  }
  size_t skipped_here = 0;
  ResultsLog log;
  // Each key's ids in line order, an id counted under its last key only.
  std::vector<std::pair<std::string, std::string>> keyed;  // (key, id)
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    if (line.empty()) continue;  // the end, or the newline that ended a torn line
    std::optional<IdResult> result = ParseLine(line);
    if (!result.has_value()) {
      ++skipped_here;
      continue;
    }
    if (!result->key.empty()) {
      log.last_key.insert_or_assign(result->id, result->key);
      keyed.emplace_back(result->key, result->id);
      log.latest_key = result->key;
    }
    log.outcomes.insert_or_assign(std::move(result->id), result->outcome);
  }
  // An id marked twice under one key (a call marked again) counts once.
  absl::flat_hash_set<std::string> placed;
  for (auto& [key, id] : keyed) {
    if (log.last_key.find(id)->second != key || !placed.insert(id).second) continue;
    log.key_ids[key].push_back(std::move(id));
  }
  if (skipped != nullptr) *skipped = skipped_here;
  return log;
}

absl::StatusOr<absl::flat_hash_map<std::string, IdOutcome>> ReadResults(
    const std::string& path, size_t* skipped) {
  absl::StatusOr<ResultsLog> log = ReadResultsLog(path, skipped);
  if (!log.ok()) return log.status();
  return std::move(log->outcomes);
}

}  // namespace gong::cli
