--[[ Put a cancelled order's units back on sale and take them out of its sales hour, exactly once.
  KEYS[1] {stock}:restocked:<orderId>  marker  KEYS[2] {stock}:sales:<hour the order was counted in>
  KEYS[3..] {stock}:option:<id> per item
  ARGV[1] marker TTL (s)  ARGV[2] 1 to uncount sales (the hour is still in the window), else 0
  ARGV[3..] for each item: quantity, productId (pairs, the order of KEYS[3..])
  Returns 1 restocked, 0 already done (the marker makes the post-commit call and the repair job idempotent). ]]
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
for i = 3, #KEYS do
  local qty = ARGV[2 * i - 3]
  redis.call('INCRBY', KEYS[i], qty)
  if ARGV[2] == '1' then redis.call('ZINCRBY', KEYS[2], -tonumber(qty), ARGV[2 * i - 2]) end
end
if ARGV[2] == '1' then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', 0) end
return 1
