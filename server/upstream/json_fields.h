// Readers of the fields of one JSON object in a Gong answer, shared by the
// codecs (not part of the Gong layer's API). Every message names the field
// by its path in the answer ("prospectsAssigned[2].flowId"), so a log line
// says exactly where Gong's answer broke its shape.
//
// Two strengths of field: a required one that is missing or of the wrong
// type fails the whole answer (the result would be unusable without it);
// an optional one reads as empty and leaves a warning, so that one odd
// field never costs a caller Gong's answer (for a write, an answer the
// caller never sees is an action it may repeat).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "upstream/gong_json.h"

namespace gong::upstream::internal::json {

class FieldReader {
 public:
  // Reads fields of `object` (a JSON object), found at `where` in the answer
  // ("" for the body itself). Warnings are appended to `warnings`, which
  // must outlive the reader.
  FieldReader(const Json& object, std::string where, std::vector<std::string>* warnings);

  // The field's value, or nullptr when it is absent or null (Gong writes
  // both for "none").
  const Json* Find(absl::string_view name) const;

  // `name`'s path in the answer, for messages.
  std::string Path(absl::string_view name) const;

  // An id (a string, or an integer kept digit for digit) that must be there.
  absl::StatusOr<std::string> RequiredId(absl::string_view name) const;

  // An id that may be absent ("" then, silently); of the wrong type it is
  // "" with a warning.
  std::string OptionalId(absl::string_view name) const;

  // Text that may be absent ("" then); not a string, or not UTF-8
  // (gong_json.h), "" with a warning.
  std::string OptionalString(absl::string_view name) const;

  // A boolean that may be absent (false then); not a boolean, false with a
  // warning.
  bool OptionalBool(absl::string_view name) const;

  // A count that may be absent (0 then); not an integer that fits 64 bits,
  // 0 with a warning.
  int64_t OptionalCount(absl::string_view name) const;

  // A date Gong documents but a record is usable without: the instant an
  // RFC 3339 timestamp with an offset names (gong_time.h). Absent,
  // unreadable, or outside what a protobuf Timestamp can hold
  // (InTimestampRange), it is unset with a warning quoting what Gong wrote.
  std::optional<absl::Time> OptionalTime(absl::string_view name) const;

  void Warn(std::string warning) const { warnings_->push_back(std::move(warning)); }

 private:
  const Json& object_;
  std::string where_;
  std::vector<std::string>* warnings_;
};

// The answer's requestId (a number keeps every digit). Gong puts one in
// every answer, but nothing the caller does depends on it: missing, null or
// not an id, it is "" with a warning, and the answer still counts (for a
// write, an answer refused is an action the caller may repeat).
std::string ReadRequestId(const Json& body, std::vector<std::string>* warnings);

// `value` as JSON text to send. Invalid UTF-8 is replaced rather than
// thrown on (protobuf has already refused such strings; this keeps the
// encoders total).
std::string Serialize(const Json& value);

// `value` as short, printable JSON for a message: escaped, non-ASCII
// written as \u escapes, and cut after a few dozen characters so a huge or
// hostile value cannot flood the log. Only what shows is written, so a
// value of any size or depth costs no more than the excerpt.
std::string Excerpt(const Json& value);

}  // namespace gong::upstream::internal::json
