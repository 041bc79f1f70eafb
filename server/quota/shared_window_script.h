// The Lua script that keeps the company's window in Redis. Redis runs a
// script atomically, so one EVALSHA is one whole reservation however many
// replicas ask at once, and it takes the time from Redis's own clock
// (TIME): the replicas' clocks never meet.
//
// Keys (all under one hash tag, the quota key, so a Redis Cluster keeps a
// company's keys on one node):
//   KEYS[1] "{KEY}:window"  sorted set: the granted sends, scored by their
//                           time in microseconds of Redis's clock
//   KEYS[2] "{KEY}:pause"   the end of Gong's last 429 pause, same unit
//   KEYS[3] "{KEY}:day:"    prefix of the per-UTC-day request counters
// ARGV[1] is the operation:
//   reserve LIMIT WINDOW_US MEMBER -> {wait_us, today, slot_us}: MEMBER may
//       send in wait_us, at slot_us. The slot is the earliest that keeps
//       every WINDOW_US-long window at LIMIT sends or fewer, is not before
//       any earlier grant (grants come in the order asked) and not before
//       the pause ends.
//   peek -> {0, today}: whether the script runs, and the day's count
//   count N -> today: N more requests sent this day
//   pause US -> 0: nobody's slot before US from now
// Every key expires: the window a second after its last slot, the pause
// after its end, a day's count after two days. The work is O(LIMIT).
#pragma once

#include <string>

namespace gong {

inline constexpr char kSharedWindowScript[] = R"lua(
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local day = KEYS[3] .. math.floor(tonumber(time[1]) / 86400)
local op = ARGV[1]
if op == 'count' then
  local today = redis.call('INCRBY', day, ARGV[2])
  redis.call('EXPIRE', day, 172800)
  return today
end
if op == 'pause' then
  local length = tonumber(ARGV[2])
  local ends = now + length
  local current = tonumber(redis.call('GET', KEYS[2]) or '0')
  if ends > current then
    redis.call('SET', KEYS[2], string.format('%.0f', ends), 'PX',
               math.ceil(length / 1000) + 1000)
  end
  return 0
end
local today = tonumber(redis.call('GET', day) or '0')
if op == 'peek' then return {0, today} end
if op ~= 'reserve' then return redis.error_reply('unknown operation ' .. op) end
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - window))
local slot = now
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
if pause > slot then slot = pause end
local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #latest > 0 and tonumber(latest[2]) > slot then slot = tonumber(latest[2]) end
if redis.call('ZCARD', KEYS[1]) >= limit then
  local bound = redis.call('ZRANGE', KEYS[1], -limit, -limit, 'WITHSCORES')
  local free = tonumber(bound[2]) + window
  if free > slot then slot = free end
end
redis.call('ZADD', KEYS[1], string.format('%.0f', slot), ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil((slot - now + window) / 1000) + 1000)
return {slot - now, today, slot}
)lua";

// The script's SHA-1 in hex, as EVALSHA names it.
const std::string& SharedWindowScriptSha();

}  // namespace gong
