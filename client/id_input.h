// The ids a many-id command works through: from its arguments ("-" stands
// for stdin), or from --from=FILE (one a line, blank lines and "#" comments
// skipped; a .csv file's --column=NAME), in first-seen order with
// duplicates dropped and counted.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gong::cli {

struct IdList {
  std::vector<std::string> ids;  // distinct, in the order first seen
  size_t duplicates = 0;         // ids dropped as seen before
};

struct IdSource {
  std::vector<std::string> arguments;  // "-" reads `stdin_stream`
  std::string from_file;               // --from; empty: none
  std::string column;                  // --column, for a .csv --from
};

// Reads every id `source` names; an InvalidArgument status whose message is
// meant for the user when a file cannot be read, a CSV has no such column,
// or both arguments and --from are given.
absl::StatusOr<IdList> ReadIds(const IdSource& source, std::istream& stdin_stream);

}  // namespace gong::cli
