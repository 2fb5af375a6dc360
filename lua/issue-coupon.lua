--[[ Issue one copy of a coupon to a user, first come first served, in one atomic step.
  KEYS[1] coupon:{id}:meta     hash validDays, startsAt, endsAt (ms, '' = open); absent = unknown coupon
  KEYS[2] coupon:{id}:stock    copies left
  KEYS[3] coupon:{id}:issued   hash userId -> issuedAt (ms): the dedupe set, with the time orders need
  KEYS[4] coupon:{id}:outbox   list of "userId:issuedAt", drained into MySQL by the coupon-drain worker
  KEYS[5] coupon:{id}:rate:<userId>:<second of now>  this user's request counter for that second
  KEYS[6] coupon:{id}:req:<requestId>  set when this request issued a copy
  ARGV[1] userId  ARGV[2] now (ms)  ARGV[3] requests per user per second (0 = no limit)  ARGV[4] marker TTL (s)
  Returns {1, validDays} issued, {-1} sold out, {-2} already issued, {-3} outside the issue window,
          {-4} unknown coupon, {-5, retryAfterMs} rate limited
  Safe to run twice: a client that lost the reply resends the same request id, and the marker answers it as
  the issuance it was (not "already issued", not a second rate-limit count). Only winners write a marker.
  The rate limit comes next (the contract checks 429 before existence); "already issued" before "sold out",
  so a holder keeps hearing that they hold it. ]]
if redis.call('EXISTS', KEYS[6]) == 1 then
  return {1, tonumber(redis.call('HGET', KEYS[1], 'validDays'))}
end

local now = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
if limit > 0 then
  local n = redis.call('INCR', KEYS[5])
  if n == 1 then redis.call('PEXPIRE', KEYS[5], 2000) end
  if n > limit then return {-5, 1000 - now % 1000} end
end

local meta = redis.call('HMGET', KEYS[1], 'validDays', 'startsAt', 'endsAt')
if not meta[1] then return {-4} end
if (meta[2] ~= '' and now < tonumber(meta[2])) or (meta[3] ~= '' and now >= tonumber(meta[3])) then
  return {-3}
end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return {-2} end
if tonumber(redis.call('GET', KEYS[2]) or '0') <= 0 then return {-1} end

redis.call('DECR', KEYS[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('RPUSH', KEYS[4], ARGV[1] .. ':' .. ARGV[2])
redis.call('SET', KEYS[6], ARGV[2], 'EX', ARGV[4])
return {1, tonumber(meta[1])}
