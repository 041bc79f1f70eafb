#include "id_input.h"

#include <iterator>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "csv_records.h"
#include "whole_file.h"

namespace gong::cli {
namespace {

// Spreadsheets and Windows editors start UTF-8 files with a byte order mark;
// left in, it would be part of the first id or the first column's name.
constexpr absl::string_view kByteOrderMark = "\xEF\xBB\xBF";

// How much of a CSV header an error shows: a file of another shape (a
// header of thousands of columns) must not flood the terminal.
constexpr size_t kColumnsShown = 20;
constexpr size_t kColumnNameShown = 40;

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code
// points past U+10FFFF). The facade's API carries ids as protobuf strings,
// which must be UTF-8: the facade could not even read a request holding
// such an id (let alone answer for the id), so it is refused here, where
// the user can be told which line holds it.
bool IsUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = text[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    unsigned char low = 0x80, high = 0xBF;  // the second byte's range
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;   // overlong
      if (c == 0xED) high = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;   // overlong
      if (c == 0xF4) high = 0x8F;  // past U+10FFFF
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    const unsigned char second = text[i + 1];
    if (second < low || second > high) return false;
    for (size_t k = 2; k < length; ++k) {
      const unsigned char next = text[i + k];
      if (next < 0x80 || next > 0xBF) return false;
    }
    i += length;
  }
  return true;
}

// Keeps ids in the order first seen and counts the repeats; a hash set, so
// that a list of 100,000 ids is read in linear time.
class Collector {
 public:
  void Add(absl::string_view id) {
    if (seen_.emplace(id).second) {
      list_.ids.emplace_back(id);
    } else {
      ++list_.duplicates;
    }
  }
  IdList Take() && { return std::move(list_); }

 private:
  IdList list_;
  absl::flat_hash_set<std::string> seen_;
};

absl::Status NotUtf8(absl::string_view origin, size_t line) {
  return absl::InvalidArgumentError(
      absl::StrCat(origin, " line ", line,
                   ": not UTF-8 text (ids are sent as UTF-8; save the file as UTF-8)"));
}

// One id a line, each trimmed; blank lines and "#" comments skipped.
absl::Status AddLines(absl::string_view text, absl::string_view origin,
                      Collector& collector) {
  absl::ConsumePrefix(&text, kByteOrderMark);
  size_t line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    const absl::string_view id = absl::StripAsciiWhitespace(line);
    if (id.empty() || id.front() == '#') continue;
    if (!IsUtf8(id)) return NotUtf8(origin, line_number);
    collector.Add(id);
  }
  return absl::OkStatus();
}

// A column's name as an error shows it: control characters escaped, long
// names cut.
std::string ShownName(absl::string_view name) {
  std::string shown = absl::CHexEscape(name.substr(0, kColumnNameShown));
  if (name.size() > kColumnNameShown) shown += "...";
  return absl::StrCat("\"", shown, "\"");
}

std::string ColumnList(const std::vector<std::string>& header) {
  std::vector<std::string> shown;
  for (size_t i = 0; i < header.size() && i < kColumnsShown; ++i) {
    shown.push_back(ShownName(header[i]));
  }
  std::string list = absl::StrJoin(shown, ", ");
  if (header.size() > kColumnsShown) {
    absl::StrAppend(&list, " and ", header.size() - kColumnsShown, " more");
  }
  return list;
}

// The index of `column` in `header`: the column of that exact name, else the
// one of that name in another case; an error for the user otherwise.
absl::StatusOr<size_t> FindColumn(const std::vector<std::string>& header,
                                  absl::string_view column, absl::string_view path) {
  if (column.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--from=", path,
                     " is a CSV file: name the column of ids with "
                     "--column=NAME; its columns are ",
                     ColumnList(header)));
  }
  for (bool exact : {true, false}) {
    std::optional<size_t> found;
    for (size_t i = 0; i < header.size(); ++i) {
      if (exact ? header[i] != column : !absl::EqualsIgnoreCase(header[i], column)) {
        continue;
      }
      if (found.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--from=", path, " has more than one column named ", ShownName(column),
            " (columns ", *found + 1, " and ", i + 1, ")"));
      }
      found = i;
    }
    if (found.has_value()) return *found;
  }
  return absl::InvalidArgumentError(absl::StrCat("--from=", path, " has no column ",
                                                 ShownName(column), "; its columns are ",
                                                 ColumnList(header)));
}

// A CSV file with a header row: the ids are the cells of `column`, trimmed;
// empty cells and blank lines skipped.
absl::Status AddCsv(absl::string_view text, const std::string& path,
                    absl::string_view column, Collector& collector) {
  absl::ConsumePrefix(&text, kByteOrderMark);
  internal::CsvRecords records(text);
  std::vector<std::string> fields;
  const auto in_file = [&path](const absl::Status& status) {
    return absl::InvalidArgumentError(
        absl::StrCat("--from=", path, " ", status.message()));
  };
  // The header: the first record that is not a blank line.
  std::vector<std::string> header;
  while (header.empty()) {
    absl::StatusOr<bool> more = records.Next(&fields);
    if (!more.ok()) return in_file(more.status());
    if (!*more) {
      return absl::InvalidArgumentError(
          absl::StrCat("--from=", path,
                       " is empty: a CSV file needs a header row naming its columns"));
    }
    if (fields.size() == 1 && absl::StripAsciiWhitespace(fields[0]).empty()) continue;
    for (const std::string& name : fields) {
      header.emplace_back(absl::StripAsciiWhitespace(name));
    }
  }
  absl::StatusOr<size_t> index = FindColumn(header, column, path);
  if (!index.ok()) return index.status();
  while (true) {
    absl::StatusOr<bool> more = records.Next(&fields);
    if (!more.ok()) return in_file(more.status());
    if (!*more) return absl::OkStatus();
    if (fields.size() == 1 && absl::StripAsciiWhitespace(fields[0]).empty()) continue;
    // A short row is an error rather than a row skipped: a file of another
    // shape than its header says is better stopped than half read.
    if (*index >= fields.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--from=", path, " line ", records.line(), ": ", fields.size(),
                       " fields, no value for column ", ShownName(header[*index])));
    }
    const absl::string_view id = absl::StripAsciiWhitespace(fields[*index]);
    if (id.empty()) continue;
    if (!IsUtf8(id)) return NotUtf8(absl::StrCat("--from=", path), records.line());
    collector.Add(id);
  }
}

bool IsCsvPath(absl::string_view path) { return absl::EndsWithIgnoreCase(path, ".csv"); }

absl::StatusOr<std::string> ReadStdin(std::istream& in) {
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return absl::InvalidArgumentError("an error reading stdin");
  return text;
}

}  // namespace

absl::StatusOr<IdList> ReadIds(const IdSource& source, std::istream& stdin_stream) {
  if (!source.from_file.empty() && !source.arguments.empty()) {
    return absl::InvalidArgumentError(
        "ids given both as arguments and with --from: give them one way");
  }
  const bool csv = source.from_file != "-" && IsCsvPath(source.from_file);
  if (!source.column.empty() && !csv) {
    return absl::InvalidArgumentError(
        "--column=NAME picks a column of a CSV file: it needs --from=FILE.csv");
  }
  Collector collector;
  if (!source.from_file.empty()) {
    absl::StatusOr<std::string> text = source.from_file == "-"
                                           ? ReadStdin(stdin_stream)
                                           : internal::ReadWholeFile(source.from_file);
    if (!text.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot read --from=", source.from_file, ": ", text.status().message()));
    }
    const absl::Status added =
        csv ? AddCsv(*text, source.from_file, source.column, collector)
            : AddLines(*text, absl::StrCat("--from=", source.from_file), collector);
    if (!added.ok()) return added;
    return std::move(collector).Take();
  }
  bool stdin_read = false;
  for (size_t i = 0; i < source.arguments.size(); ++i) {
    const std::string& argument = source.arguments[i];
    if (argument != "-") {
      if (!IsUtf8(argument)) {
        return absl::InvalidArgumentError(
            absl::StrCat("id argument ", i + 1, " is not UTF-8 text"));
      }
      collector.Add(argument);
      continue;
    }
    // stdin has one content: a second "-" adds nothing.
    if (stdin_read) continue;
    stdin_read = true;
    absl::StatusOr<std::string> text = ReadStdin(stdin_stream);
    if (!text.ok()) return text.status();
    const absl::Status added = AddLines(*text, "stdin", collector);
    if (!added.ok()) return added;
  }
  return std::move(collector).Take();
}

}  // namespace gong::cli
