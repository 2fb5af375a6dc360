--[[ Finish rebuilding a coupon's Redis state from MySQL (the issued hash was already refilled with HSETNX).
  KEYS[1] meta  KEYS[2] stock  KEYS[3] issued  KEYS[4] outbox  KEYS[5] inflight
  ARGV[1] totalQuantity  ARGV[2] validDays  ARGV[3] startsAt (ms or '')  ARGV[4] endsAt (ms or '')
  Returns the restored stock.
  Entries still waiting in the outbox or in flight count as issued too; stock is derived from the issued hash,
  so nothing is counted twice however often this runs. Setting meta last keeps the coupon unknown (404) until
  its state is whole. ]]
for _, list in ipairs({KEYS[4], KEYS[5]}) do
  for _, entry in ipairs(redis.call('LRANGE', list, 0, -1)) do
    local sep = string.find(entry, ':', 1, true)
    redis.call('HSETNX', KEYS[3], string.sub(entry, 1, sep - 1), string.sub(entry, sep + 1))
  end
end
local stock = tonumber(ARGV[1]) - redis.call('HLEN', KEYS[3])
if stock < 0 then stock = 0 end
redis.call('SET', KEYS[2], stock)
redis.call('HSET', KEYS[1], 'validDays', ARGV[2], 'startsAt', ARGV[3], 'endsAt', ARGV[4])
return stock
