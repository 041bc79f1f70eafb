// The records of a CSV text as RFC 4180 writes them (quoted fields holding
// commas, line breaks and doubled quotes; CRLF or LF line ends), for a
// --from=FILE.csv. Lenient where spreadsheets are: a quote inside an
// unquoted field is kept as a character, and text after a closing quote is
// kept too, as Python's csv module does.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gong::cli::internal {

class CsvRecords {
 public:
  // `text` must outlive the reader.
  explicit CsvRecords(absl::string_view text) : text_(text) {}

  // The next record's fields in *fields: true, or false at the end. An
  // empty line is a record of one empty field. InvalidArgument (naming
  // the line) for a quoted field the text ends inside.
  absl::StatusOr<bool> Next(std::vector<std::string>* fields);

  // The line (from 1) on which the record Next returned last starts.
  size_t line() const { return record_line_; }

 private:
  // Reads one field at pos_ into *field; true when a record end (or the
  // text's end) follows it, false when a comma does.
  absl::StatusOr<bool> ReadField(std::string* field);
  // Consumes a line end at pos_ ("\r\n", "\n" or "\r"), if there is one.
  bool EatLineEnd();

  absl::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;         // the line pos_ is on
  size_t record_line_ = 0;  // where the last record started
};

}  // namespace gong::cli::internal
