// Records round-trip through their encoding, and anything else read from a
// store (tampered, truncated, another version, another program's) is
// refused with INVALID_ARGUMENT, never a crash, never echoing the bytes.
#include "idempotency/idempotency_record.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace gong::idempotency {
namespace {

Record Done() {
  Record record;
  record.state = Record::State::kDone;
  record.fingerprint = std::string("\x00\xff\x10 binary fingerprint", 23);
  record.owner = "0123456789abcdef0123456789abcdef";
  record.claim_until = absl::FromUnixMillis(1'700'000'123'456);
  record.outcome.code = 3;
  record.outcome.message = "assign: 2 of 100 prospects were refused";
  record.outcome.details = std::string("\x08\x03\x12\x00\xfe", 5);
  record.outcome.response = std::string(1000, '\x01');
  record.outcome.settled = true;
  return record;
}

TEST(IdempotencyRecordTest, EveryStateRoundTrips) {
  for (Record::State state :
       {Record::State::kRunning, Record::State::kInDoubt, Record::State::kDone}) {
    Record record = Done();
    record.state = state;
    absl::StatusOr<Record> decoded = DecodeRecord(EncodeRecord(record));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, record);
  }
}

TEST(IdempotencyRecordTest, EmptyFieldsAndExtremeTimesRoundTrip) {
  for (absl::Time until : {absl::InfinitePast(), absl::InfiniteFuture(),
                           absl::UnixEpoch(), absl::FromUnixMillis(-5)}) {
    Record record;
    record.claim_until = until;
    absl::StatusOr<Record> decoded = DecodeRecord(EncodeRecord(record));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, record);
  }
}

TEST(IdempotencyRecordTest, IsCompactJsonWithShortReadableFields) {
  const nlohmann::json json = nlohmann::json::parse(EncodeRecord(Done()));
  EXPECT_EQ(json["v"], 1);
  EXPECT_EQ(json["state"], "done");
  EXPECT_EQ(json["until"], 1'700'000'123'456);
  EXPECT_EQ(json["code"], 3);
  EXPECT_EQ(json["msg"], "assign: 2 of 100 prospects were refused");
  EXPECT_EQ(json["details"], absl::Base64Escape(Done().outcome.details));
  EXPECT_EQ(json["settled"], true);
  EXPECT_FALSE(absl::StrContains(EncodeRecord(Done()), "\n"));
}

TEST(IdempotencyRecordTest, ClaimUntilKeepsWholeMilliseconds) {
  Record record;
  record.claim_until = absl::FromUnixMillis(1'700'000'000'001) + absl::Microseconds(999);
  absl::StatusOr<Record> decoded = DecodeRecord(EncodeRecord(record));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->claim_until, absl::FromUnixMillis(1'700'000'000'001));
}

TEST(IdempotencyRecordTest, AMessageNotUtf8IsStoredWithReplacementsNotLost) {
  Record record = Done();
  record.outcome.message = "bad \xff byte";
  absl::StatusOr<Record> decoded = DecodeRecord(EncodeRecord(record));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->outcome.message, "bad \xef\xbf\xbd byte");
  EXPECT_EQ(decoded->fingerprint, record.fingerprint);
}

// The encoding of Done() with one field changed (or removed: nullptr).
std::string With(const std::string& field, const nlohmann::json* value) {
  nlohmann::json json = nlohmann::json::parse(EncodeRecord(Done()));
  if (value == nullptr) {
    json.erase(field);
  } else {
    json[field] = *value;
  }
  return json.dump();
}

TEST(IdempotencyRecordTest, RefusesWhatIsNotARecordWithoutEchoingIt) {
  const std::string secret = "s3cret-bytes-from-the-store";
  const nlohmann::json not_base64 = "not base64!" + secret;
  const nlohmann::json number = 1;
  const nlohmann::json text = secret;
  const nlohmann::json code_17 = 17;
  const nlohmann::json code_negative = -1;
  const nlohmann::json huge = std::numeric_limits<uint64_t>::max();
  const nlohmann::json fraction = 1.5;
  const nlohmann::json version_2 = 2;
  const nlohmann::json state = secret;
  const nlohmann::json null = nullptr;
  const nlohmann::json too_long = std::string(kMaxRecordFieldBytes + 1, 'm');
  const nlohmann::json too_long_base64 =
      absl::Base64Escape(std::string(kMaxRecordFieldBytes + 1, 'r'));
  nlohmann::json unknown = nlohmann::json::parse(EncodeRecord(Done()));
  unknown[secret] = 1;

  const struct {
    const char* name;
    std::string bytes;
  } kCases[] = {
      {"empty", ""},
      {"not JSON", secret},
      {"truncated", EncodeRecord(Done()).substr(0, 40)},
      {"an array", "[1,2]"},
      {"a string", "\"" + secret + "\""},
      {"a comment", "/* x */" + EncodeRecord(Done())},
      {"another version", With("v", &version_2)},
      {"a version as text", With("v", &text)},
      {"unknown state", With("state", &state)},
      {"state not a string", With("state", &number)},
      {"code 17", With("code", &code_17)},
      {"code -1", With("code", &code_negative)},
      {"code too big for int64", With("code", &huge)},
      {"until too big for int64", With("until", &huge)},
      {"until a fraction", With("until", &fraction)},
      {"until null", With("until", &null)},
      {"bad base64 fingerprint", With("fp", &not_base64)},
      {"bad base64 details", With("details", &not_base64)},
      {"bad base64 response", With("response", &not_base64)},
      {"owner not a string", With("owner", &number)},
      {"message not a string", With("msg", &number)},
      {"settled not a boolean", With("settled", &number)},
      {"message over 1 MiB", With("msg", &too_long)},
      {"response over 1 MiB", With("response", &too_long_base64)},
      {"an unknown field", unknown.dump()},
      {"over the record limit", std::string(kMaxRecordBytes + 1, ' ')},
      {"not UTF-8", "{\"v\":1,\"state\":\"\xff\"}"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Record> decoded = DecodeRecord(c.bytes);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_FALSE(absl::StrContains(decoded.status().message(), secret));
  }
  for (const char* field : {"v", "state", "fp", "owner", "until", "code", "msg",
                            "details", "response", "settled"}) {
    SCOPED_TRACE(absl::StrCat("without ", field));
    EXPECT_EQ(DecodeRecord(With(field, nullptr)).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST(IdempotencyRecordTest, DeeplyNestedJsonIsRefusedWithoutACrash) {
  const std::string nested = std::string(200'000, '[') + std::string(200'000, ']');
  EXPECT_EQ(DecodeRecord(nested).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(IdempotencyRecordTest, AFieldOfExactly1MiBIsKept) {
  Record record = Done();
  record.outcome.response = std::string(kMaxRecordFieldBytes, 'x');
  record.outcome.message = std::string(kMaxRecordFieldBytes, 'y');
  absl::StatusOr<Record> decoded = DecodeRecord(EncodeRecord(record));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, record);
}

}  // namespace
}  // namespace gong::idempotency
