--[[ Reservations became paid orders: forget each (its stock stays sold) and count its sales, exactly once.
  KEYS[1] {stock}:reservations
  then per order k: KEYS[2k] {stock}:reservation:<rid>  KEYS[2k+1] {stock}:sales:<hour of the order>
  ARGV[1] bucket TTL (s)  ARGV[2] number of orders
  then per order: reservationId, number of (productId, units) pairs, the pairs
  Returns how many were confirmed now (0 for each already confirmed, released or closed by a cancel).
  One call confirms a whole committed batch. Counting only when the reservation still exists makes the
  committer's confirm and the sweeper's confirm of the same order count its sales once between them, and safe
  to run twice. ]]
local a = 3
local confirmed = 0
for k = 1, tonumber(ARGV[2]) do
  local rid, pairs = ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  redis.call('ZREM', KEYS[1], rid)
  if redis.call('DEL', KEYS[2 * k]) == 1 then
    for p = 0, pairs - 1 do
      redis.call('ZINCRBY', KEYS[2 * k + 1], ARGV[a + 2 * p + 1], ARGV[a + 2 * p])
    end
    redis.call('EXPIRE', KEYS[2 * k + 1], ARGV[1])
    confirmed = confirmed + 1
  end
  a = a + 2 * pairs
end
return confirmed
