-- Commit what one analysis task produced: events once each, its checkpoint, its snapshot.
-- KEYS: event_ids, events, state, checkpoints
-- ARGV: analysis, member, last_id, snapshot_json, checkpoint_blob, checkpoints_kept,
--       events_retained, event_ids_floor, events_channel, progress_channel,
--       then per event: id, trade_id, json
-- An empty snapshot or checkpoint is not written.
-- Returns {new events, snapshot advanced, positions (from 0) of the new events}.
local added = 0
local new = {}
for i = 11, #ARGV, 3 do
    if redis.call('ZADD', KEYS[1], 'NX', ARGV[i + 1], ARGV[i]) == 1 then
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 'e', ARGV[i + 2])
        redis.call('PUBLISH', ARGV[9], ARGV[i + 2])
        added = added + 1
        new[added] = (i - 11) / 3
    end
end
if added > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[8])
end
local last_id = tonumber(ARGV[3])
if ARGV[5] ~= '' and redis.call('ZCOUNT', KEYS[4], last_id, last_id) == 0 then
    redis.call('ZADD', KEYS[4], last_id, ARGV[5])
    redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(tonumber(ARGV[6]) + 1))
end
local advanced = 0
if ARGV[4] ~= '' then
    local current = tonumber(redis.call('HGET', KEYS[3], 'last_trade_id') or '-1')
    if last_id > current then
        redis.call('HSET', KEYS[3], 'last_trade_id', ARGV[3], 'view', ARGV[4])
        redis.call('PUBLISH', ARGV[10], ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. ARGV[3])
        advanced = 1
    end
end
return {added, advanced, new}
