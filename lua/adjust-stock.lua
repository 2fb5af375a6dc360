--[[ An admin stock correction on the live stock, within bounds.
  KEYS[1] {stock}:option:<id>  ARGV[1] delta (non-zero integer)  ARGV[2] upper limit
  Returns {1, newStock}, {-1} would go below 0, {-2} no stock key (restore it, then retry), {-3} above the limit ]]
local stock = redis.call('GET', KEYS[1])
if not stock then return {-2} end
local after = tonumber(stock) + tonumber(ARGV[1])
if after < 0 then return {-1} end
if after > tonumber(ARGV[2]) then return {-3} end
redis.call('SET', KEYS[1], after)
return {1, after}
