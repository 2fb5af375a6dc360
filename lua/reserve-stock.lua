--[[ Reserve stock for every item of an order, all or nothing, and record the reservation with its time.
  KEYS[1] {stock}:reservations         zset reservationId -> reserved at (ms), read by the sweeper
  KEYS[2] {stock}:reservation:<rid>    hash optionId -> quantity
  KEYS[3..] {stock}:option:<id>        live stock of each item's option, in item order
  ARGV[1] now (ms)  ARGV[2] reservationId  ARGV[3..] for each item: optionId, quantity (pairs, item order)
  Returns {1} reserved, {-1, itemIndex} out of stock, {-2, itemIndex} option has no stock key (unknown to Redis)
  Every item is checked before any is taken, so a refusal changes nothing. Safe to run twice: a client that
  lost the reply resends the same reservationId, and an existing reservation is the first run's success. ]]
if redis.call('EXISTS', KEYS[2]) == 1 then return {1} end
local n = #KEYS - 2
for i = 1, n do
  local stock = redis.call('GET', KEYS[i + 2])
  if not stock then return {-2, i} end
  if tonumber(stock) < tonumber(ARGV[2 + 2 * i]) then return {-1, i} end
end
for i = 1, n do
  redis.call('DECRBY', KEYS[i + 2], ARGV[2 + 2 * i])
  redis.call('HSET', KEYS[2], ARGV[1 + 2 * i], ARGV[2 + 2 * i])
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return {1}
