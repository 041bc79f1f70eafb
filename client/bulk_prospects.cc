#include "bulk_prospects.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "csv_records.h"
#include "nlohmann/json.hpp"

namespace gong::cli {

const std::array<const char*, kProspectFieldCount> kProspectFields = {
    "crm_id",    "first_name",   "last_name",      "email",
    "job_title", "linkedin_url", "account_crm_id", "company_name"};

namespace {

// The facade's bounds (proto/gong/flows/v1/flow_service.proto).
constexpr size_t kMaxIdBytes = 128;
constexpr size_t kMaxTextBytes = 1024;
constexpr size_t kMaxEmailBytes = 254;
constexpr size_t kMaxErrors = 20;

// Well-formed UTF-8 sequences (overlong forms are the facade's to judge).
bool IsUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    if (c >= 0x80) {
      if ((c & 0xE0) == 0xC0) {
        extra = 1;
      } else if ((c & 0xF0) == 0xE0) {
        extra = 2;
      } else if ((c & 0xF8) == 0xF0) {
        extra = 3;
      } else {
        return false;
      }
    }
    if (i + extra >= text.size() && extra > 0) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

bool HasControl(absl::string_view text) {
  for (const char c : text) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) return true;
  }
  return false;
}

bool HasSpace(absl::string_view text) {
  for (const char c : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

// What is wrong with one field ("" when nothing).
std::string CheckField(size_t field, absl::string_view value) {
  if (value.empty()) return "";
  if (!IsUtf8(value)) return "is not UTF-8";
  if (HasControl(value)) return "holds control characters";
  if (field == kCrmId || field == kAccountCrmId) {
    if (value.size() > kMaxIdBytes)
      return absl::StrCat("is over ", kMaxIdBytes, " bytes");
    if (HasSpace(value)) return "holds whitespace";
    return "";
  }
  if (field == kEmail) {
    if (value.size() > kMaxEmailBytes) {
      return absl::StrCat("is over ", kMaxEmailBytes, " bytes");
    }
    const size_t at = value.find('@');
    if (at == absl::string_view::npos || at == 0 || at + 1 == value.size() ||
        value.find('@', at + 1) != absl::string_view::npos || HasSpace(value)) {
      return "is not an email address of the form local@domain";
    }
    return "";
  }
  if (value.size() > kMaxTextBytes) {
    return absl::StrCat("is over ", kMaxTextBytes, " bytes");
  }
  return "";
}

}  // namespace

std::string ProspectRow::Identity() const {
  nlohmann::json object = nlohmann::json::object();
  for (size_t i = 0; i < kProspectFieldCount; ++i) {
    if (!fields[i].empty()) object[kProspectFields[i]] = fields[i];
  }
  // nlohmann's objects keep their keys sorted: the same fields, the same
  // text, whatever the CSV's column order.
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<ProspectRow> RowFromIdentity(absl::string_view identity) {
  const nlohmann::json object = nlohmann::json::parse(identity, nullptr, false);
  if (!object.is_object()) return absl::InvalidArgumentError("not a JSON object");
  ProspectRow row;
  for (const auto& [name, value] : object.items()) {
    size_t i = 0;
    while (i < kProspectFieldCount && name != kProspectFields[i]) ++i;
    if (i == kProspectFieldCount || !value.is_string()) {
      return absl::InvalidArgumentError(absl::StrCat("no prospect field: ", name));
    }
    row.fields[i] = value.get<std::string>();
  }
  return row;
}

absl::StatusOr<ProspectRows> ReadProspectsCsv(absl::string_view text) {
  // A byte-order mark (Excel's "CSV UTF-8") is no part of the first name.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  internal::CsvRecords records(text);
  std::vector<std::string> fields;
  std::vector<std::string> errors;
  // The header: the first record that is not blank.
  std::vector<int> column_field;  // for each column, its field
  absl::StatusOr<bool> more;
  for (;;) {
    more = records.Next(&fields);
    if (!more.ok()) return more.status();
    if (!*more) return absl::InvalidArgumentError("no header row (the file is empty)");
    if (!(fields.size() == 1 && absl::StripAsciiWhitespace(fields[0]).empty())) break;
  }
  const size_t header_line = records.line();
  std::vector<std::string> unknown;
  absl::flat_hash_set<int> seen;
  for (const std::string& raw : fields) {
    const std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(raw));
    int found = -1;
    for (size_t i = 0; i < kProspectFieldCount; ++i) {
      if (name == kProspectFields[i]) found = static_cast<int>(i);
    }
    if (found < 0) {
      unknown.push_back(absl::StrCat("'", raw, "'"));
    } else if (!seen.insert(found).second) {
      errors.push_back(
          absl::StrCat("line ", header_line, ": the column ", name, " is there twice"));
    }
    column_field.push_back(found);
  }
  if (!unknown.empty()) {
    errors.push_back(absl::StrCat("line ", header_line, ": unknown column",
                                  unknown.size() == 1 ? " " : "s ",
                                  absl::StrJoin(unknown, ", "), " (the columns are ",
                                  absl::StrJoin(kProspectFields, ", "), ")"));
  }
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));

  ProspectRows out;
  absl::flat_hash_set<std::string> identities;
  size_t problems = 0;
  auto report = [&](std::string error) {
    if (++problems <= kMaxErrors) errors.push_back(std::move(error));
  };
  for (;;) {
    more = records.Next(&fields);
    if (!more.ok()) return more.status();
    if (!*more) break;
    const size_t line = records.line();
    // A blank line, or a spreadsheet's empty row (",,,"): no prospect.
    bool blank = true;
    for (const std::string& field : fields) {
      blank = blank && absl::StripAsciiWhitespace(field).empty();
    }
    if (blank) continue;
    if (fields.size() > column_field.size()) {
      report(absl::StrCat("line ", line, ": ", fields.size(), " fields, the header has ",
                          column_field.size()));
      continue;
    }
    ProspectRow row;
    row.line = line;
    for (size_t c = 0; c < fields.size(); ++c) {
      row.fields[column_field[c]] = std::string(absl::StripAsciiWhitespace(fields[c]));
    }
    bool ok = true;
    for (size_t i = 0; i < kProspectFieldCount; ++i) {
      const std::string problem = CheckField(i, row.fields[i]);
      if (!problem.empty()) {
        report(absl::StrCat("line ", line, ": ", kProspectFields[i], " ", problem));
        ok = false;
      }
    }
    if (row.fields[kCrmId].empty() &&
        (row.fields[kFirstName].empty() || row.fields[kLastName].empty())) {
      report(absl::StrCat("line ", line,
                          ": give crm_id, or first_name and last_name (a prospect "
                          "not yet in the CRM)"));
      ok = false;
    }
    if (!ok) continue;
    if (!identities.insert(row.Identity()).second) {
      ++out.duplicates;
      continue;
    }
    out.rows.push_back(std::move(row));
  }
  if (problems > kMaxErrors) {
    errors.push_back(absl::StrCat("and ", problems - kMaxErrors, " more"));
  }
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
  if (out.rows.empty())
    return absl::InvalidArgumentError("no prospects after the header");
  return out;
}

}  // namespace gong::cli
