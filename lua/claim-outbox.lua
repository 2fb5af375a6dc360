--[[ Hand a batch of a coupon's outbox to a drainer, at least once.
  KEYS[1] coupon:{id}:outbox  KEYS[2] coupon:{id}:inflight (list)  KEYS[3] coupon:{id}:inflight-token
  ARGV[1] batch size  ARGV[2] a fresh token for this claim
  Returns {} when there is nothing to persist, else {token, entry, entry, ...}.
  A batch stays in `inflight` until acknowledged with its token: a drainer that dies mid-batch leaves it there,
  and the next claim hands the same entries out again (MySQL's unique key makes the replay harmless). ]]
if redis.call('EXISTS', KEYS[2]) == 0 then
  local batch = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
  if #batch == 0 then return {} end
  redis.call('LTRIM', KEYS[1], #batch, -1)
  redis.call('RPUSH', KEYS[2], unpack(batch))
end
redis.call('SET', KEYS[3], ARGV[2])
local entries = redis.call('LRANGE', KEYS[2], 0, -1)
table.insert(entries, 1, ARGV[2])
return entries
