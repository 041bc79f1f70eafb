// The idempotency keys the CLI's writes carry (metadata `idempotency-key`):
// one per call, derived from the run and the call's content, so that a call
// sent again (in doubt, or by a resumed run) carries the key of the first
// and the facade settles or replays it instead of acting twice, while the
// same ids sent by a new run are a new write.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace gong::cli {

// The metadata a write's key travels in, and the facade's bound on it.
inline constexpr char kIdempotencyKeyHeader[] = "idempotency-key";
inline constexpr size_t kMaxIdempotencyKeyLength = 255;

// Every key the CLI makes starts with this, then the run id, "/", and 32
// hex digits of the call's content.
inline constexpr char kCliKeyPrefix[] = "gong-flows-cli/";

// A new run's id: 32 hex digits from the system's random source, so that
// two runs (two machines, the same ids tomorrow) never share a key.
std::string NewRunId();

// "gong-flows-cli/" + `run_id` + "/" + 32 hex digits of SHA-256 over the
// command, its fixed parameters (flow, owner, ... in the command's order)
// and the call's ids, each length-prefixed so that no two different
// contents read alike. The same run, command, parameters and ids in the
// same order give the same key; anything else another.
std::string ChunkKey(absl::string_view run_id, absl::string_view command,
                     const std::vector<std::string>& params,
                     const std::vector<std::string>& ids);

// The run id of a key ChunkKey made, or "" when `key` is not one.
std::string RunIdOfKey(absl::string_view key);

// 1 to 255 printable ASCII characters (space to '~'): what the facade
// takes, and what gRPC metadata can carry.
bool IsValidIdempotencyKey(absl::string_view key);

}  // namespace gong::cli
