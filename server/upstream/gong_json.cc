#include "upstream/gong_json.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace gong::upstream::internal::json {
namespace {

// The length of the UTF-8 character that starts `text` (not empty), or 0
// when its first bytes are not one: the well-formed sequences of Unicode's
// table 3-7, which are the ones nlohmann's parser accepts (no overlong
// forms, no surrogates, nothing past U+10FFFF).
size_t Utf8Length(absl::string_view text) {
  const auto byte = [&text](size_t i) -> unsigned {
    return i < text.size() ? static_cast<unsigned char>(text[i]) : 0x100;
  };
  const auto in = [](unsigned b, unsigned low, unsigned high) {
    return b >= low && b <= high;
  };
  const unsigned lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length;
  unsigned low = 0x80, high = 0xBF;  // the second byte's range
  if (in(lead, 0xC2, 0xDF)) {
    length = 2;
  } else if (in(lead, 0xE0, 0xEF)) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (in(lead, 0xF0, 0xF4)) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (!in(byte(1), low, high)) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (!in(byte(i), 0x80, 0xBF)) return 0;
  }
  return length;
}

// What one linear pass over a body finds before it is parsed.
struct Scan {
  size_t max_depth = 0;
  // The body with every byte that is not UTF-8 (inside a string) replaced
  // by '?'; empty when there was none, the body then parses as it is.
  std::string repaired;
  // Which strings (keys included), counted from 0 in the order they appear,
  // held such a byte.
  std::vector<size_t> unreadable_strings;
};

// Iterative and without a stack: it keeps only the current depth, so that
// a body of any depth costs one pass and no memory. It does not check the
// grammar (the parser does); on a body that is not JSON its findings are
// meaningless but harmless.
Scan ScanBody(absl::string_view body) {
  Scan scan;
  size_t depth = 0;
  size_t strings = 0;
  size_t copied = 0;  // body[0, copied) is in scan.repaired
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (!in_string) {
      if (c == '"') {
        in_string = true;
        ++strings;
      } else if (c == '[' || c == '{') {
        if (++depth > scan.max_depth) scan.max_depth = depth;
      } else if ((c == ']' || c == '}') && depth > 0) {
        --depth;
      }
      continue;
    }
    if (c == '"') {
      in_string = false;
    } else if (c == '\\') {
      // An escape's second byte is ASCII in valid JSON; anything else is
      // left to the parser to refuse.
      if (i + 1 < body.size() && static_cast<unsigned char>(body[i + 1]) < 0x80) ++i;
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      const size_t length = Utf8Length(body.substr(i));
      if (length > 0) {
        i += length - 1;
        continue;
      }
      const size_t current = strings - 1;
      if (scan.unreadable_strings.empty() || scan.unreadable_strings.back() != current) {
        scan.unreadable_strings.push_back(current);
      }
      scan.repaired.append(body.data() + copied, i - copied);
      scan.repaired += '?';
      copied = i + 1;
    }
  }
  if (!scan.unreadable_strings.empty()) {
    scan.repaired.append(body.data() + copied, body.size() - copied);
  }
  return scan;
}

}  // namespace

absl::StatusOr<Json> Parse(absl::string_view body) {
  Scan scan = ScanBody(body);
  if (scan.max_depth > kMaxAnswerDepth) {
    return absl::DataLossError(
        absl::StrCat("body is nested deeper than ", kMaxAnswerDepth, " levels"));
  }
  Json parsed;
  if (scan.unreadable_strings.empty()) {
    parsed = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  } else {
    // The parser reports each key and each string value as it meets it, in
    // the body's order, which is the order the scan counted them in.
    size_t ordinal = 0;
    size_t next = 0;
    const std::vector<size_t>& unreadable = scan.unreadable_strings;
    auto mark = [&](int /*depth*/, Json::parse_event_t event, Json& value) {
      const bool is_key = event == Json::parse_event_t::key;
      if (!is_key && !(event == Json::parse_event_t::value && value.is_string())) {
        return true;
      }
      if (next < unreadable.size() && unreadable[next] == ordinal) {
        ++next;
        // A key stays as repaired: it names no field the readers know.
        if (!is_key) value = Json::binary(Json::binary_t::container_type{});
      }
      ++ordinal;
      return true;
    };
    parsed = Json::parse(scan.repaired, mark, /*allow_exceptions=*/false);
  }
  if (parsed.is_discarded()) return absl::DataLossError("body is not JSON");
  return parsed;
}

}  // namespace gong::upstream::internal::json
