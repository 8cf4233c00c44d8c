-- Write a snapshot read off other snapshots. KEYS: state; ARGV: last_id, view_json,
-- progress_channel, analysis, member. It may be rewritten at the same trade id (an input
-- behind the newest one moved), never moved back. Returns 1 if written.
local current = tonumber(redis.call('HGET', KEYS[1], 'last_trade_id') or '-1')
if tonumber(ARGV[1]) < current then
    return 0
end
redis.call('HSET', KEYS[1], 'last_trade_id', ARGV[1], 'view', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4] .. ' ' .. ARGV[5] .. ' ' .. ARGV[1])
return 1
