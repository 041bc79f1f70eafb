// assign --bulk's prospects: a CSV whose header row names the prospect's
// fields (crm_id, first_name, ... as StartBulkAssignment's BulkProspect
// spells them), each row checked as the facade checks a prospect before
// anything is sent, so that a bad line of a file of thousands stops the
// run at once, naming the line, instead of failing its job half-way.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gong::cli {

// The columns a prospects CSV may have, in BulkProspect's order.
inline constexpr size_t kProspectFieldCount = 8;
extern const std::array<const char*, kProspectFieldCount> kProspectFields;
enum ProspectField {
  kCrmId = 0,
  kFirstName,
  kLastName,
  kEmail,
  kJobTitle,
  kLinkedinUrl,
  kAccountCrmId,
  kCompanyName,
};

struct ProspectRow {
  size_t line = 0;  // where its record starts in the file, from 1; 0: not from it
  std::array<std::string, kProspectFieldCount> fields;

  // The prospect's fields as one line of JSON (the fields given, by name,
  // in name order): how a results file names it, and what tells two rows
  // apart. Rows with the same fields are the same prospect.
  std::string Identity() const;
};

struct ProspectRows {
  std::vector<ProspectRow> rows;  // in the file's order, each prospect once
  size_t duplicates = 0;          // rows dropped as an earlier row's twin
};

// The rows of `text`. InvalidArgument with every problem found (up to 20,
// each with its line) for: no header, a column that is no prospect field
// (named), a column twice, a record with more fields than the header, a
// prospect the facade would refuse (neither crm_id nor both names, a text
// too long or holding control characters, an email of another shape), or
// no prospect at all. Fields are trimmed of spaces at both ends, as a
// spreadsheet's cells often carry them; blank lines and rows of empty
// fields are skipped.
absl::StatusOr<ProspectRows> ReadProspectsCsv(absl::string_view text);

// A row from an Identity() line (a results file's), or InvalidArgument
// when it is no object of prospect fields.
absl::StatusOr<ProspectRow> RowFromIdentity(absl::string_view identity);

}  // namespace gong::cli
