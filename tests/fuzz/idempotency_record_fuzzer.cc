// Fuzzes DecodeRecord, which reads what a key store holds (Redis, where
// anything that can write the key may have written it).
//
// Input: the stored bytes as they are.
//
// Invariants beyond "no crash" (and no exception: the code is built with
// them, and one escaping would end the process):
// - anything decoded re-encodes to bytes that decode to the same record,
//   and encoding that record again gives the same bytes;
// - a record's status code is 0 to 16, and none of its fields is longer
//   than kMaxRecordFieldBytes;
// - input longer than kMaxRecordBytes is refused;
// - a refusal is INVALID_ARGUMENT and never carries the input (checked for
//   inputs of 40 bytes or more, which no message could hold by chance).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "fuzz_check.h"
#include "idempotency/idempotency_record.h"

using gong::idempotency::DecodeRecord;
using gong::idempotency::EncodeRecord;
using gong::idempotency::kMaxRecordBytes;
using gong::idempotency::kMaxRecordFieldBytes;
using gong::idempotency::Record;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<Record> record = DecodeRecord(bytes);
  if (!record.ok()) {
    FUZZ_CHECK(record.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(bytes.size() < 40 || !absl::StrContains(record.status().message(), bytes));
    return 0;
  }
  FUZZ_CHECK(bytes.size() <= kMaxRecordBytes);
  FUZZ_CHECK(record->outcome.code >= 0 && record->outcome.code <= 16);
  for (const std::string* field :
       {&record->fingerprint, &record->owner, &record->outcome.message,
        &record->outcome.details, &record->outcome.response}) {
    FUZZ_CHECK(field->size() <= kMaxRecordFieldBytes);
  }
  const std::string encoded = EncodeRecord(*record);
  const absl::StatusOr<Record> again = DecodeRecord(encoded);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *record);
  FUZZ_CHECK(EncodeRecord(*again) == encoded);
  return 0;
}
