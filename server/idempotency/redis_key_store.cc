#include "idempotency/redis_key_store.h"

#include <openssl/evp.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace gong::idempotency {
namespace internal {
namespace {

// KEYS[1] the key. ARGV[1] "1" when a value is expected (ARGV[2]), "0"
// when the key must be absent; ARGV[3] the new value, ARGV[4] its ttl in
// milliseconds. -> 1 set, 0 not.
constexpr char kCompareAndSetScript[] = R"lua(
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1
)lua";

// KEYS[1] the key, ARGV[1] the value expected. -> 1 deleted, 0 not.
constexpr char kCompareAndDeleteScript[] = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
)lua";

std::string Sha1Hex(absl::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha1(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

struct Script {
  const char* text;
  std::string sha;
};

const Script& CompareAndSet() {
  static const Script* script =
      new Script{kCompareAndSetScript, Sha1Hex(kCompareAndSetScript)};
  return *script;
}

const Script& CompareAndDelete() {
  static const Script* script =
      new Script{kCompareAndDeleteScript, Sha1Hex(kCompareAndDeleteScript)};
  return *script;
}

using Reply = absl::StatusOr<redis::RedisReply>;

// Why Redis did not answer usefully, as UNAVAILABLE whatever the cause:
// for the caller a slow Redis and a down one are the same. Of an error
// reply only its first word (OOM, READONLY, WRONGTYPE...) is kept, which
// names the trouble without repeating anything the command carried.
absl::Status StoreError(absl::string_view what, const Reply& reply) {
  if (!reply.ok()) {
    return absl::UnavailableError(absl::StrCat("idempotency store (Redis): ", what, ": ",
                                               reply.status().message()));
  }
  if (reply->type == redis::RedisReply::Type::kError) {
    const absl::string_view word =
        absl::string_view(reply->str)
            .substr(0, std::min<size_t>(reply->str.find(' '), 32));
    return absl::UnavailableError(
        absl::StrCat("idempotency store (Redis): ", what, ": Redis answered ", word));
  }
  return absl::UnavailableError(
      absl::StrCat("idempotency store (Redis): ", what, ": an unexpected reply"));
}

// Runs `script` by its SHA-1, and by its text when Redis does not have it
// (a restart, a failover, SCRIPT FLUSH), within `timeout` in all.
void RunScript(redis::RedisClient* client, const Script& script,
               std::vector<std::string> keys_and_args, absl::Duration timeout,
               redis::RedisClient::ReplyCallback done) {
  std::vector<std::string> argv = {"EVALSHA", script.sha, "1"};
  argv.insert(argv.end(), std::make_move_iterator(keys_and_args.begin()),
              std::make_move_iterator(keys_and_args.end()));
  const absl::Time asked = absl::Now();
  std::vector<std::string> eval = argv;
  client->Command(std::move(argv), timeout,
                  [client, &script, eval = std::move(eval), asked, timeout,
                   done = std::move(done)](Reply reply) mutable {
                    if (!reply.ok() || reply->type != redis::RedisReply::Type::kError ||
                        !absl::StartsWith(reply->str, "NOSCRIPT")) {
                      std::move(done)(std::move(reply));
                      return;
                    }
                    const absl::Duration left = timeout - (absl::Now() - asked);
                    if (left <= absl::ZeroDuration()) {
                      std::move(done)(absl::DeadlineExceededError(
                          "loading the script took too long"));
                      return;
                    }
                    eval[0] = "EVAL";
                    eval[1] = script.text;
                    client->Command(std::move(eval), left, std::move(done));
                  });
}

// The answer of a compare-and-… script: 1 or 0.
absl::StatusOr<bool> ScriptAnswer(absl::string_view what, const Reply& reply) {
  if (reply.ok() && reply->type == redis::RedisReply::Type::kInteger &&
      (reply->integer == 0 || reply->integer == 1)) {
    return reply->integer == 1;
  }
  return StoreError(what, reply);
}

}  // namespace
}  // namespace internal

RedisKeyStore::RedisKeyStore(redis::RedisClient* client, std::string prefix,
                             absl::Duration timeout)
    : client_(client), prefix_(std::move(prefix)), timeout_(timeout) {}

void RedisKeyStore::Get(const std::string& key, GetDone done) {
  client_->Command(
      {"GET", prefix_ + key}, timeout_,
      [done = std::move(done)](internal::Reply reply) mutable {
        if (reply.ok() && reply->type == redis::RedisReply::Type::kString) {
          std::move(done)(std::optional<std::string>(std::move(reply->str)));
        } else if (reply.ok() && reply->type == redis::RedisReply::Type::kNil) {
          std::move(done)(std::optional<std::string>());
        } else {
          std::move(done)(internal::StoreError("reading a key", reply));
        }
      });
}

void RedisKeyStore::CompareAndSet(const std::string& key,
                                  std::optional<std::string> expected, std::string value,
                                  absl::Duration ttl, SetDone done) {
  // PX takes whole milliseconds, at least one.
  const int64_t ttl_ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl));
  const bool has_expected = expected.has_value();
  internal::RunScript(
      client_, internal::CompareAndSet(),
      {prefix_ + key, has_expected ? "1" : "0", has_expected ? std::move(*expected) : "",
       std::move(value), absl::StrCat(ttl_ms)},
      timeout_, [done = std::move(done)](internal::Reply reply) mutable {
        std::move(done)(internal::ScriptAnswer("setting a key", reply));
      });
}

void RedisKeyStore::CompareAndDelete(const std::string& key, std::string expected,
                                     SetDone done) {
  internal::RunScript(client_, internal::CompareAndDelete(),
                      {prefix_ + key, std::move(expected)}, timeout_,
                      [done = std::move(done)](internal::Reply reply) mutable {
                        std::move(done)(internal::ScriptAnswer("deleting a key", reply));
                      });
}

}  // namespace gong::idempotency
