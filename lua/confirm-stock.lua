--[[ A reservation became a paid order: forget it (the stock stays sold) and count the sales, exactly once.
  KEYS[1] {stock}:reservations  KEYS[2] {stock}:reservation:<rid>  KEYS[3] {stock}:sales:<hour of the order>
  ARGV[1] reservationId  ARGV[2] bucket TTL (s)  ARGV[3..] productId, units (pairs)
  Returns 1 confirmed, 0 already confirmed (or released).
  Counting only when the reservation still exists makes the API's confirm and the sweeper's confirm of the same
  order count its sales once between them. ]]
if redis.call('DEL', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
for i = 3, #ARGV, 2 do
  redis.call('ZINCRBY', KEYS[3], ARGV[i + 1], ARGV[i])
end
redis.call('EXPIRE', KEYS[3], ARGV[2])
return 1
