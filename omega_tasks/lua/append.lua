-- Append one tick batch of a symbol: the chunk, its closed bars, feed health, once.
-- KEYS: ticks, bars, feed, symbols
-- ARGV: first_id, last_id, last_time_ms, last_received_ns, blob, trades_retained,
--       bars_retained, member, n_trades, bar_clock, then per closed bar: open_ms, packed bar
local first_id = tonumber(ARGV[1])
local last_written = tonumber(redis.call('HGET', KEYS[3], 'last_trade_id') or '-1')
if first_id <= last_written then
    return 0
end
local minid = tonumber(ARGV[2]) - tonumber(ARGV[6])
if minid < 0 then minid = 0 end
redis.call('XADD', KEYS[1], 'MINID', '~', string.format('%d-0', minid),
    ARGV[1] .. '-0', 'b', ARGV[5])
for i = 11, #ARGV, 2 do
    if redis.call('ZCOUNT', KEYS[2], ARGV[i], ARGV[i]) == 0 then
        redis.call('ZADD', KEYS[2], ARGV[i], ARGV[i + 1])
    end
end
if #ARGV >= 11 then
    redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[7]) + 1))
end
redis.call('HSETNX', KEYS[3], 'origin_trade_id', ARGV[1])
redis.call('HSET', KEYS[3], 'last_trade_id', ARGV[2], 'last_trade_ms', ARGV[3],
    'last_received_ns', ARGV[4], 'bar_clock', ARGV[10])
redis.call('HINCRBY', KEYS[3], 'trades', ARGV[9])
redis.call('HINCRBY', KEYS[3], 'batches', 1)
redis.call('SADD', KEYS[4], ARGV[8])
return 1
