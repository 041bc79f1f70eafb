// The Lua script that keeps the company's window in Redis. Redis runs a
// script atomically, so one EVALSHA is one whole reservation however many
// replicas ask at once, and it takes the time from Redis's own clock
// (TIME): the replicas' clocks never meet. Internal to SharedWindow (and
// its tests).
//
// Keys (all under one hash tag, the quota key, so a Redis Cluster keeps a
// company's keys on one node):
//   KEYS[1] "{KEY}:window"  sorted set: the granted sends, scored by their
//                           time in microseconds of Redis's clock
//   KEYS[2] "{KEY}:pause"   the end of Gong's last 429 pause, same unit
//   KEYS[3] "{KEY}:day:"    prefix of the per-UTC-day request counters
// ARGV[1] is the operation:
//   reserve LIMIT WINDOW_US MEMBER MAX_WAIT_US -> {wait_us, today, slot_us}:
//       MEMBER may send in wait_us, at slot_us: the earliest time, from now
//       and not before the pause ends, with fewer than LIMIT sends less
//       than WINDOW_US either side of it, so that every WINDOW_US-long
//       window holding it holds LIMIT sends or fewer. That is after the
//       earlier grants (grants come in the order asked) unless some left
//       room before them: a grant that waits out a pause this replica does
//       not wait for, or a send moved later. Of the pause, MEMBER waits at
//       most MAX_WAIT_US (its replica's ceiling, --max_gong_pause): a pause
//       written far ahead, by a replica with a longer ceiling or by
//       anything else, never holds a replica longer than its own ceiling.
//   peek -> {0, today}: whether the script runs and may write (a Redis out
//       of memory refuses the write, as it would a reservation's), and the
//       day's count
//   count N -> today: N more requests sent this day
//   pause US -> 0: nobody's slot before US from now
// Every key expires: the window a second after its last slot (a day at
// most), the pause after its end, a day's count after two days. A value
// that is not a number (written by something else) counts as none. The
// work is O(LIMIT) (bounded, whatever the window holds).
#pragma once

#include <string>

namespace gong::quota::internal {

inline constexpr char kSharedWindowScript[] = R"lua(
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local day = KEYS[3] .. math.floor(tonumber(time[1]) / 86400)
local op = ARGV[1]
local function us(t) return string.format('%.0f', t) end
if op == 'count' then
  local today = redis.call('INCRBY', day, ARGV[2])
  redis.call('EXPIRE', day, 172800)
  return today
end
if op == 'pause' then
  local length = tonumber(ARGV[2])
  local ends = now + length
  local current = tonumber(redis.call('GET', KEYS[2])) or 0
  if ends > current then
    redis.call('SET', KEYS[2], us(ends), 'PX', math.ceil(length / 1000) + 1000)
  end
  return 0
end
if op == 'peek' then
  local today = redis.call('INCRBY', day, 0)
  redis.call('EXPIRE', day, 172800)
  return {0, today}
end
if op ~= 'reserve' then return redis.error_reply('unknown operation ' .. op) end
local today = tonumber(redis.call('GET', day)) or 0
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local max_wait = tonumber(ARGV[5])
if not (limit and window and max_wait) then
  return redis.error_reply('usage: reserve LIMIT WINDOW_US MEMBER MAX_WAIT_US')
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', us(now - window))
local slot = now
local pause = tonumber(redis.call('GET', KEYS[2])) or 0
slot = math.max(slot, math.min(pause, now + max_wait))
local function crowded(t)
  return redis.call('ZCOUNT', KEYS[1], '(' .. us(t - window), '(' .. us(t + window)) >= limit
end
if crowded(slot) then
  -- The count drops a window after each send: the first such time with
  -- room, among the next sends; failing that, a window after the last.
  local sends = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. us(slot - window), '+inf',
                           'WITHSCORES', 'LIMIT', 0, 2 * limit + 64)
  local found = false
  for i = 2, #sends, 2 do
    local t = tonumber(sends[i]) + window
    if not crowded(t) then
      slot = t
      found = true
      break
    end
  end
  if not found then
    local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
    slot = math.max(slot, tonumber(last[2]) + window)
  end
end
redis.call('ZADD', KEYS[1], us(slot), ARGV[4])
local last = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
redis.call('PEXPIRE', KEYS[1], math.ceil(math.min(last - now + window, 86400e6) / 1000) + 1000)
return {slot - now, today, slot}
)lua";

// The script's SHA-1 in hex, as EVALSHA names it.
const std::string& SharedWindowScriptSha();

}  // namespace gong::quota::internal
