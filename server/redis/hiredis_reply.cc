#include "redis/hiredis_reply.h"

#include <hiredis/hiredis.h>

#include <string>

namespace gong::redis::internal {

RedisReply CopyHiredisReply(const redisReply& reply) {
  RedisReply copy;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      copy.type = RedisReply::Type::kString;
      copy.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      copy.type = RedisReply::Type::kStatus;
      copy.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      copy.type = RedisReply::Type::kError;
      copy.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      copy.type = RedisReply::Type::kInteger;
      copy.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      copy.type = RedisReply::Type::kArray;
      copy.elements.reserve(reply.elements);
      for (size_t i = 0; i < reply.elements; ++i) {
        copy.elements.push_back(CopyHiredisReply(*reply.element[i]));
      }
      break;
    case REDIS_REPLY_NIL:
    default:
      // hiredis 0.14 speaks RESP2 only: no other type reaches here.
      copy.type = RedisReply::Type::kNil;
      break;
  }
  return copy;
}

}  // namespace gong::redis::internal
