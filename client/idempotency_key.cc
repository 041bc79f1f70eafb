#include "idempotency_key.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace gong::cli {
namespace {

constexpr size_t kRunIdBytes = 16;
constexpr size_t kDigestHexDigits = 32;

// Length, ':' and the bytes: "ab","c" and "a","bc" hash apart.
void AppendField(std::string* out, absl::string_view field) {
  absl::StrAppend(out, field.size(), ":", field);
}

}  // namespace

std::string NewRunId() {
  unsigned char bytes[kRunIdBytes];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    // OpenSSL's generator failed to seed: the OS's device is the fallback,
    // still never a clock, which two runs started together would share.
    std::random_device device;
    for (unsigned char& byte : bytes) byte = static_cast<unsigned char>(device());
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

std::string ChunkKey(absl::string_view run_id, absl::string_view command,
                     const std::vector<std::string>& params,
                     const std::vector<std::string>& ids) {
  std::string content;
  AppendField(&content, command);
  AppendField(&content, absl::StrCat(params.size()));
  for (const std::string& param : params) AppendField(&content, param);
  AppendField(&content, absl::StrCat(ids.size()));
  for (const std::string& id : ids) AppendField(&content, id);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(content.data(), content.size(), digest, &length, EVP_sha256(), nullptr);
  const std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
  return absl::StrCat(kCliKeyPrefix, run_id, "/", hex.substr(0, kDigestHexDigits));
}

std::string RunIdOfKey(absl::string_view key) {
  if (!absl::ConsumePrefix(&key, kCliKeyPrefix)) return "";
  const size_t slash = key.find('/');
  if (slash == 0 || slash == absl::string_view::npos) return "";
  const absl::string_view run_id = key.substr(0, slash);
  // A run id goes back into new keys: only what a key may hold, and short
  // enough to leave room for the rest.
  if (run_id.size() > 2 * kRunIdBytes) return "";
  for (const char c : run_id) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return "";
  }
  return std::string(run_id);
}

bool IsValidIdempotencyKey(absl::string_view key) {
  if (key.empty() || key.size() > kMaxIdempotencyKeyLength) return false;
  for (const char c : key) {
    if (c < ' ' || c > '~') return false;
  }
  return true;
}

}  // namespace gong::cli
