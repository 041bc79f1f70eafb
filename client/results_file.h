// --results=FILE: one JSON line per id as its answer arrives, each line
// written whole and flushed to the kernel before the next, so that a run
// killed at any moment loses no answer it had; and --resume's reading of
// it, which forgives the torn last line such a kill can leave.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "id_outcome.h"

namespace gong::cli {

class ResultsFile {
 public:
  // Opens `path` for appending (created if missing); a torn last line left
  // by a killed run is ended first so the next line starts clean.
  static absl::StatusOr<std::unique_ptr<ResultsFile>> Open(const std::string& path);
  ~ResultsFile();
  ResultsFile(const ResultsFile&) = delete;
  ResultsFile& operator=(const ResultsFile&) = delete;

  // {"id":..,"outcome":..,"request_id":..,"reason":..,"key":..} (empty
  // fields left out) and a newline, in one write(2). Not thread-safe: one writer.
  absl::Status Write(const IdResult& result);

 private:
  explicit ResultsFile(int fd);
  int fd_;
};

// What --resume needs of a results file.
struct ResultsLog {
  // The last outcome of each id (later lines win).
  absl::flat_hash_map<std::string, IdOutcome> outcomes;
  // The key of each id's last `sending` line that had one: the call that
  // last carried it.
  absl::flat_hash_map<std::string, std::string> last_key;
  // Each such key's ids, in the order of their lines (the call's order):
  // the ids whose last keyed `sending` line has it.
  absl::flat_hash_map<std::string, std::vector<std::string>> key_ids;
  // The key of the file's last keyed `sending` line ("" when none): the
  // run a resume carries on.
  std::string latest_key;
};

// The file at `path` read as a ResultsLog; lines that are not whole JSON
// objects of a result's shape are skipped and counted in *skipped.
// NotFound when there is no file.
absl::StatusOr<ResultsLog> ReadResultsLog(const std::string& path, size_t* skipped);

// ReadResultsLog's outcomes alone.
absl::StatusOr<absl::flat_hash_map<std::string, IdOutcome>> ReadResults(
    const std::string& path, size_t* skipped);

}  // namespace gong::cli
