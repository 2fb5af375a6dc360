--[[ Give a reservation's stock back (the order failed, or never came: the sweeper).
  KEYS[1] {stock}:reservations  KEYS[2] {stock}:reservation:<rid>  KEYS[3..] {stock}:option:<id> per reserved option
  ARGV[1] reservationId  ARGV[2..] the optionId of each KEYS[3..]
  Returns 1 released, 0 nothing to release (already released or confirmed).
  Quantities come from the reservation itself, and it is deleted in the same step: releasing twice is harmless. ]]
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
for i = 3, #KEYS do
  local qty = redis.call('HGET', KEYS[2], ARGV[i - 1])
  if qty then redis.call('INCRBY', KEYS[i], qty) end
end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
