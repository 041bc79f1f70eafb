// What an idempotency key's call asked, as a fingerprint: a retry with the
// key must ask exactly the same (idempotency/idempotency_keys.h).
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace gong::api {

// Hex SHA-256 of `method` and `request`'s deterministic serialization: the
// same request (however its client ordered map entries) gives the same
// fingerprint; any other field value gives another.
std::string RequestFingerprint(absl::string_view method,
                               const google::protobuf::Message& request);

}  // namespace gong::api
