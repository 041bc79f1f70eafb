// --results=FILE: one JSON line per id as its answer arrives, each line
// written whole and flushed to the kernel before the next, so that a run
// killed at any moment loses no answer it had; and --resume's reading of
// it, which forgives the torn last line such a kill can leave.
#pragma once

#include <memory>
#include <string>

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

  // {"id":..,"outcome":..,"request_id":..,"reason":..} (empty fields left
  // out) and a newline, in one write(2). Not thread-safe: one writer.
  absl::Status Write(const IdResult& result);

 private:
  explicit ResultsFile(int fd);
  int fd_;
};

// The last outcome of each id in the file at `path` (later lines win);
// lines that are not whole JSON objects of that shape are skipped and
// counted in *skipped. NotFound when there is no file.
absl::StatusOr<absl::flat_hash_map<std::string, IdOutcome>> ReadResults(
    const std::string& path, size_t* skipped);

}  // namespace gong::cli
