// Fuzzes CheckKey, which reads a caller's idempotency-key metadata, and
// StoreKeyOf, which turns the caller, method and key into a store key.
//
// Input: the key as it is; for StoreKeyOf the input is also cut in three
// (caller, method, key) at positions taken from its first two bytes.
//
// Invariants beyond "no crash":
// - a key is accepted exactly when it is 1 to 255 bytes, each 0x20 to
//   0x7E;
// - a refusal is INVALID_ARGUMENT, its message printable ASCII and never
//   holding the key (a key of 8 bytes or more; shorter ones could occur in
//   any sentence), and says the length when the key is too long;
// - a store key is 64 lowercase hex digits, the same for the same scope,
//   and another when one byte moves from one part of the scope to the next.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz_check.h"
#include "idempotency/idempotency_keys.h"

using gong::idempotency::CheckKey;
using gong::idempotency::KeyScope;
using gong::idempotency::kMaxKeyLength;
using gong::idempotency::StoreKeyOf;

namespace {

bool Valid(absl::string_view key) {
  if (key.empty() || key.size() > kMaxKeyLength) return false;
  for (char c : key) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

bool IsStoreKey(const std::string& key) {
  return key.size() == 64 &&
         key.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const absl::Status status = CheckKey(input);
  FUZZ_CHECK(status.ok() == Valid(input));
  if (!status.ok()) {
    FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    for (char c : status.message()) FUZZ_CHECK(c >= 0x20 && c <= 0x7E);
    FUZZ_CHECK(input.size() < 8 || !absl::StrContains(status.message(), input));
    if (input.size() > kMaxKeyLength) {
      FUZZ_CHECK(
          absl::StrContains(status.message(), absl::StrCat(input.size(), " bytes")));
    }
  }

  if (size < 2) return 0;
  const absl::string_view rest = input.substr(2);
  const size_t a = data[0] % (rest.size() + 1);
  const size_t b = a + data[1] % (rest.size() - a + 1);
  const KeyScope scope = {std::string(rest.substr(0, a)),
                          std::string(rest.substr(a, b - a)),
                          std::string(rest.substr(b))};
  const std::string key = StoreKeyOf(scope);
  FUZZ_CHECK(IsStoreKey(key));
  FUZZ_CHECK(StoreKeyOf(scope) == key);
  if (!scope.method.empty()) {
    // The method's first byte moved to the caller's end.
    const KeyScope moved = {scope.caller + scope.method[0], scope.method.substr(1),
                            scope.key};
    FUZZ_CHECK(StoreKeyOf(moved) != key);
  }
  if (!scope.key.empty()) {
    const KeyScope moved = {scope.caller, scope.method + scope.key[0],
                            scope.key.substr(1)};
    FUZZ_CHECK(StoreKeyOf(moved) != key);
  }
  return 0;
}
