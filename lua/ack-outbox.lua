--[[ Acknowledge a persisted batch, only if this drainer still owns it.
  KEYS[1] coupon:{id}:inflight  KEYS[2] coupon:{id}:inflight-token
  ARGV[1] the token the claim returned
  Returns 1 acknowledged, 0 stale (another drainer re-claimed the batch and will acknowledge it). ]]
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
return 0
