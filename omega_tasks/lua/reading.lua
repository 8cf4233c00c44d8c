-- Write a snapshot read off other snapshots. KEYS: state; ARGV: last_id, view_json,
-- progress_channel, analysis, member, inputs (the trades its inputs cover, summed). It may be
-- rewritten at the same trade id when its inputs moved on (one behind the newest advanced),
-- never by a reading of older inputs, never moved back. Returns 1 if written.
local current = tonumber(redis.call('HGET', KEYS[1], 'last_trade_id') or '-1')
local last_id = tonumber(ARGV[1])
if last_id < current then
    return 0
end
if last_id == current and tonumber(ARGV[6]) < tonumber(redis.call('HGET', KEYS[1], 'inputs') or '-1') then
    return 0
end
redis.call('HSET', KEYS[1], 'last_trade_id', ARGV[1], 'view', ARGV[2], 'inputs', ARGV[6])
redis.call('PUBLISH', ARGV[3], ARGV[4] .. ' ' .. ARGV[5] .. ' ' .. ARGV[1])
return 1
