#include "csv_records.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace gong::cli::internal {

bool CsvRecords::EatLineEnd() {
  if (pos_ >= text_.size()) return false;
  if (text_[pos_] == '\r') {
    ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
    ++line_;
    return true;
  }
  if (text_[pos_] == '\n') {
    ++pos_;
    ++line_;
    return true;
  }
  return false;
}

absl::StatusOr<bool> CsvRecords::ReadField(std::string* field) {
  field->clear();
  if (pos_ < text_.size() && text_[pos_] == '"') {
    const size_t opened_on = line_;
    ++pos_;
    while (true) {
      if (pos_ >= text_.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "line ", opened_on, ": a quoted field is not closed before the end"));
      }
      const char c = text_[pos_++];
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          field->push_back('"');
          ++pos_;
          continue;
        }
        break;
      }
      if (c == '\n' || (c == '\r' && (pos_ >= text_.size() || text_[pos_] != '\n'))) {
        ++line_;
      }
      field->push_back(c);
    }
  }
  // An unquoted field, or what follows a closing quote, up to the
  // separator or the line's end.
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == ',') {
      ++pos_;
      return false;
    }
    if (c == '\r' || c == '\n') break;
    field->push_back(c);
    ++pos_;
  }
  EatLineEnd();
  return true;
}

absl::StatusOr<bool> CsvRecords::Next(std::vector<std::string>* fields) {
  fields->clear();
  if (pos_ >= text_.size()) return false;
  record_line_ = line_;
  while (true) {
    fields->emplace_back();
    absl::StatusOr<bool> last = ReadField(&fields->back());
    if (!last.ok()) return last.status();
    if (*last) return true;
  }
}

}  // namespace gong::cli::internal
