// What the facade keeps per idempotency key: the state of the call that
// holds the key, and once Gong decided it, its outcome as the caller got it
// (status, details, response), so that a retry with the key gets the same
// answer without anything reaching Gong again.
//
// Records live in a KeyStore (key_store.h): Redis, where any process that
// can write the key may have written it, or memory. So decoding trusts
// nothing: bytes that are not a record of this version (a tampered value,
// another program's key, a truncated write) are an error, never a crash,
// and the caller of IdempotencyKeys treats such a key as unusable.
#pragma once

#include <cstddef>
#include <string>
#include <tuple>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gong::idempotency {

// A call's final answer, as the caller got it.
struct StoredOutcome {
  int code = 0;         // the gRPC status code (0 to 16)
  std::string message;  // the status message
  // The google.rpc.Status the status carried in grpc-status-details-bin,
  // serialized; empty when none.
  std::string details;
  // The response message, serialized; empty unless code is 0.
  std::string response;
  // Whether the outcome was settled by reading Gong's state after an
  // answer in doubt (the replay says so too).
  bool settled = false;

  // (The project is C++17: no defaulted comparisons.)
  friend bool operator==(const StoredOutcome& a, const StoredOutcome& b) {
    return std::tie(a.code, a.message, a.details, a.response, a.settled) ==
           std::tie(b.code, b.message, b.details, b.response, b.settled);
  }
  friend bool operator!=(const StoredOutcome& a, const StoredOutcome& b) {
    return !(a == b);
  }
};

struct Record {
  enum class State {
    // A call holds the key and is working on it.
    kRunning,
    // The call that held the key ended without knowing whether Gong acted
    // (its answer was lost): the next call with the key settles it by
    // reading Gong's state first.
    kInDoubt,
    // Gong decided: `outcome` is the answer, replayed to every retry.
    kDone,
  };
  State state = State::kRunning;
  // What the call asked: the method's request, hashed (IdempotencyKeys
  // compares, never reads it). A retry with another fingerprint is
  // refused.
  std::string fingerprint;
  // kRunning: who holds the claim (random per claim), and until when. A
  // claim past `claim_until` has lost its holder (a replica that died, a
  // call that never finished): the next call takes it over as in doubt.
  std::string owner;
  absl::Time claim_until = absl::InfinitePast();
  // kDone only.
  StoredOutcome outcome;

  friend bool operator==(const Record& a, const Record& b) {
    return std::tie(a.state, a.fingerprint, a.owner, a.claim_until, a.outcome) ==
           std::tie(b.state, b.fingerprint, b.owner, b.claim_until, b.outcome);
  }
  friend bool operator!=(const Record& a, const Record& b) { return !(a == b); }
};

// The longest field DecodeRecord accepts (a fingerprint, a message, the
// details or the response, as bytes), and the longest record: a record
// holding more is refused as not ours (and so settled rather than
// replayed), so the api layer keeps what it stores under these.
inline constexpr size_t kMaxRecordFieldBytes = size_t{1} << 20;
inline constexpr size_t kMaxRecordBytes = 6 * kMaxRecordFieldBytes;

// The record as stored: compact JSON, the binary fields (fingerprint,
// details, response) in base64, claim_until in whole Unix milliseconds
// (finer is dropped). The message is JSON text: bytes of it that are not
// UTF-8 are stored as U+FFFD.
std::string EncodeRecord(const Record& record);
// Bytes read back from the store: the record, or INVALID_ARGUMENT saying
// what is wrong (never the bytes themselves, which may be anything).
absl::StatusOr<Record> DecodeRecord(absl::string_view bytes);

}  // namespace gong::idempotency
