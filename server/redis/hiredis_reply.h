// hiredis's reply turned into a RedisReply: hiredis frees its reply as soon
// as the reply callback returns, and no caller of the client sees hiredis.
#pragma once

#include "redis/redis_client.h"

struct redisReply;

namespace gong::redis::internal {

// A deep copy (arrays element by element), binary-safe.
RedisReply CopyHiredisReply(const redisReply& reply);

}  // namespace gong::redis::internal
