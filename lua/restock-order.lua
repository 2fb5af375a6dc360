--[[ Put a cancelled order's units back on sale and take them out of its sales hour, exactly once.
  KEYS[1] {stock}:restocked:<orderId>  marker  KEYS[2] {stock}:sales:<hour the order was counted in>
  KEYS[3] {stock}:reservations  KEYS[4] {stock}:reservation:<rid> the order's reservation
  KEYS[5..] {stock}:option:<id> per item
  ARGV[1] marker TTL (s)  ARGV[2] 1 to uncount sales (the hour is still in the window), else 0
  ARGV[3] reservationId  ARGV[4..] for each item: quantity, productId (pairs, the order of KEYS[5..])
  Returns 1 restocked, 0 already done (the marker makes the post-commit call and the repair job idempotent).
  A reservation still open means its confirmation never ran, so its sales were never counted: it is closed
  here without counting, and a later confirm (the sweeper's) finds nothing to count. One outcome per order. ]]
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
local counted = redis.call('DEL', KEYS[4]) == 0
redis.call('ZREM', KEYS[3], ARGV[3])
local uncount = counted and ARGV[2] == '1'
for j = 1, #KEYS - 4 do
  local qty = ARGV[2 + 2 * j]
  redis.call('INCRBY', KEYS[4 + j], qty)
  if uncount then redis.call('ZINCRBY', KEYS[2], -tonumber(qty), ARGV[3 + 2 * j]) end
end
if uncount then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', 0) end
return 1
