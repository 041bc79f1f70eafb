// Fuzzes ValidateUnassignByInstanceIds, the check of every caller's request before
// anything goes to Gong.
//
// Input: text lines. The first line is unassigned_by_user_email (empty: not
// given); every further line is one of flow_instance_ids. A final newline
// ends the last line rather than adding an empty id, so seeds are plain
// text files.
//
// Invariants, against a reference written here rather than taken from the
// code under test:
// - within kMaxIdEntriesPerUnassign entries, the ids forwarded are exactly
//   the valid ids (1..kMaxIdBytes bytes of printable ASCII without spaces),
//   each once, in first-seen order; no id over the cap, no control, space
//   or non-ASCII byte, ever reaches Gong;
// - "flow_instance_ids" itself is one violation when there are no ids or
//   more than kMaxIdEntriesPerUnassign (then no entry is read), or more
//   than kMaxIdsPerUnassign distinct valid ones;
// - otherwise each invalid id has one violation naming its index, in order;
// - the first kMaxListedViolations violations are listed in that order,
//   each description bounded, and the rest are counted;
// - an email with an ASCII control or space byte, or a few well-known
//   invisible characters (no-break space, zero-width space, U+2028,
//   right-to-left override, BOM), or invalid UTF-8, is refused; a plain
//   printable-ASCII local@domain within kMaxEmailBytes is accepted;
// - the request is valid exactly when no violation was reported.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "api/request_validation.h"
#include "fuzz_check.h"

namespace {

bool ValidId(absl::string_view id) {
  if (id.empty() || id.size() > gong::api::kMaxIdBytes) return false;
  for (char c : id) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x21 || byte > 0x7e) return false;
  }
  return true;
}

bool HasAsciiControlOrSpace(absl::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return true;
  }
  return false;
}

bool AllPrintableAscii(absl::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x21 || byte > 0x7e) return false;
  }
  return true;
}

// A strict UTF-8 check by the Unicode standard's table of well-formed byte
// sequences (Table 3-7), a different method from the server's decoder.
bool WellFormedUtf8(absl::string_view text) {
  size_t i = 0;
  const auto at = [&text](size_t k) { return static_cast<unsigned char>(text[k]); };
  const auto in = [](unsigned char b, unsigned char lo, unsigned char hi) {
    return b >= lo && b <= hi;
  };
  while (i < text.size()) {
    const unsigned char b0 = at(i);
    const size_t left = text.size() - i;
    if (b0 <= 0x7f) {
      i += 1;
    } else if (in(b0, 0xc2, 0xdf)) {
      if (left < 2 || !in(at(i + 1), 0x80, 0xbf)) return false;
      i += 2;
    } else if (in(b0, 0xe0, 0xef)) {
      if (left < 3) return false;
      const unsigned char lo = b0 == 0xe0 ? 0xa0 : 0x80;
      const unsigned char hi = b0 == 0xed ? 0x9f : 0xbf;
      if (!in(at(i + 1), lo, hi) || !in(at(i + 2), 0x80, 0xbf)) return false;
      i += 3;
    } else if (in(b0, 0xf0, 0xf4)) {
      if (left < 4) return false;
      const unsigned char lo = b0 == 0xf0 ? 0x90 : 0x80;
      const unsigned char hi = b0 == 0xf4 ? 0x8f : 0xbf;
      if (!in(at(i + 1), lo, hi) || !in(at(i + 2), 0x80, 0xbf) ||
          !in(at(i + 3), 0x80, 0xbf)) {
        return false;
      }
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

bool HasKnownInvisible(absl::string_view text) {
  // U+00A0, U+200B, U+2028, U+202E, U+FEFF in UTF-8.
  for (absl::string_view invisible :
       {"\xc2\xa0", "\xe2\x80\x8b", "\xe2\x80\xa8", "\xe2\x80\xae", "\xef\xbb\xbf"}) {
    if (absl::StrContains(text, invisible)) return true;
  }
  return false;
}

bool PlainEmail(absl::string_view email) {
  const size_t at = email.find('@');
  return email.size() <= gong::api::kMaxEmailBytes && AllPrintableAscii(email) &&
         at != absl::string_view::npos && at != 0 && at + 1 != email.size() &&
         email.find('@', at + 1) == absl::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  if (absl::EndsWith(input, "\n")) input.remove_suffix(1);
  std::vector<absl::string_view> lines = absl::StrSplit(input, '\n');
  const absl::string_view email = lines.front();
  const std::vector<absl::string_view> ids(lines.begin() + 1, lines.end());

  gong::flows::v1::UnassignByInstanceIdsRequest request;
  request.set_unassigned_by_user_email(std::string(email));
  for (absl::string_view id : ids) request.add_flow_instance_ids(std::string(id));
  const gong::api::ValidatedRequest validated =
      gong::api::ValidateUnassignByInstanceIds(request);

  // The reference: every violation's field, in the order they are found.
  // Past kMaxIdEntriesPerUnassign entries the list is one violation and no
  // entry is read.
  std::vector<std::string> expected_ids;
  std::vector<std::string> expected_fields;
  if (ids.empty() || ids.size() > gong::api::kMaxIdEntriesPerUnassign) {
    expected_fields.push_back("flow_instance_ids");
  } else {
    absl::flat_hash_set<absl::string_view> seen;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (!ValidId(ids[i])) {
        expected_fields.push_back(absl::StrCat("flow_instance_ids[", i, "]"));
      } else if (seen.insert(ids[i]).second) {
        expected_ids.emplace_back(ids[i]);
      }
    }
    if (expected_ids.size() > gong::upstream::kMaxIdsPerUnassign) {
      expected_fields.push_back("flow_instance_ids");
    }
  }

  if (ids.size() <= gong::api::kMaxIdEntriesPerUnassign) {
    FUZZ_CHECK(validated.request.flow_instance_ids == expected_ids);
  }
  for (const std::string& id : validated.request.flow_instance_ids) {
    FUZZ_CHECK(ValidId(id));
  }

  // The email's violation, if any, comes last: listed, or only counted when
  // the list is full.
  const size_t total = validated.violations.total();
  FUZZ_CHECK(total == expected_fields.size() || total == expected_fields.size() + 1);
  const bool email_refused = total > expected_fields.size();
  if (email_refused) expected_fields.push_back("unassigned_by_user_email");

  // The list: the first kMaxListedViolations, each bounded; the rest counted.
  const auto& listed = validated.violations.listed();
  FUZZ_CHECK(listed.size() == std::min(total, gong::api::kMaxListedViolations));
  FUZZ_CHECK(validated.violations.unlisted() == total - listed.size());
  for (size_t i = 0; i < listed.size(); ++i) {
    FUZZ_CHECK(listed[i].field == expected_fields[i]);
    FUZZ_CHECK(!listed[i].description.empty());
    FUZZ_CHECK(listed[i].description.size() <= gong::api::kMaxViolationDescriptionBytes);
  }

  FUZZ_CHECK(validated.request.unassigned_by_user_email == email);
  if (email.empty()) {
    FUZZ_CHECK(!email_refused);
  } else {
    if (email.size() > gong::api::kMaxEmailBytes || HasAsciiControlOrSpace(email) ||
        HasKnownInvisible(email) || !WellFormedUtf8(email)) {
      FUZZ_CHECK(email_refused);
    }
    if (PlainEmail(email)) FUZZ_CHECK(!email_refused);
  }
  FUZZ_CHECK(validated.violations.empty() == expected_fields.empty());
  return 0;
}
