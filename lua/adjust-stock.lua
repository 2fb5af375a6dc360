--[[ An admin stock correction on the live stock, within bounds, applied once per request id.
  KEYS[1] {stock}:option:<id>  KEYS[2] {stock}:adjusted:<requestId>  the marker of an applied request
  ARGV[1] delta (non-zero integer)  ARGV[2] upper limit  ARGV[3] marker TTL (s)  ARGV[4] 1 to check bounds, 0 not
  Returns {1, newStock}, {-1} would go below 0, {-2} no stock key (restore it, then retry), {-3} above the limit
  Safe to run twice: a client that lost the reply resends it, and the marker hands back the first answer
  instead of moving the stock again. Unchecked bounds are for undoing a correction that MySQL refused. ]]
local done = redis.call('GET', KEYS[2])
if done then return {1, tonumber(done)} end
local stock = redis.call('GET', KEYS[1])
if not stock then return {-2} end
local after = tonumber(stock) + tonumber(ARGV[1])
if ARGV[4] == '1' then
  if after < 0 then return {-1} end
  if after > tonumber(ARGV[2]) then return {-3} end
end
redis.call('SET', KEYS[1], after)
redis.call('SET', KEYS[2], after, 'EX', ARGV[3])
return {1, after}
