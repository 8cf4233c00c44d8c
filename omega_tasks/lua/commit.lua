-- Commit what one analysis task produced: events once each, its checkpoint, and the snapshot
-- of every name it publishes (each moving only forward), keeping a short history of those
-- snapshots that other analyses read as of a trade.
-- KEYS: event_ids, events, checkpoints, then per published name: state, views
-- ARGV: member, last_id, checkpoint_blob, checkpoints_kept, events_retained,
--       event_ids_floor, events_channel, progress_channel, n_names,
--       then per name: name, snapshot_json, keep_history (1 or 0),
--       then per event: id, trade_id, json
-- An empty snapshot or checkpoint is not written.
-- Returns {new events, snapshot advanced, positions (from 0) of the new events}.
local n_names = tonumber(ARGV[9])
local first_event = 10 + 3 * n_names
local added = 0
local new = {}
for i = first_event, #ARGV, 3 do
    if redis.call('ZADD', KEYS[1], 'NX', ARGV[i + 1], ARGV[i]) == 1 then
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'e', ARGV[i + 2])
        redis.call('PUBLISH', ARGV[7], ARGV[i + 2])
        added = added + 1
        new[added] = (i - first_event) / 3
    end
end
if added > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[6])
end
local last_id = tonumber(ARGV[2])
local kept = tonumber(ARGV[4])
if ARGV[3] ~= '' and redis.call('ZCOUNT', KEYS[3], last_id, last_id) == 0 then
    redis.call('ZADD', KEYS[3], last_id, ARGV[3])
    redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(kept + 1))
end
local advanced = 0
for n = 1, n_names do
    local name, snapshot, history = ARGV[7 + 3 * n], ARGV[8 + 3 * n], ARGV[9 + 3 * n]
    local state, views = KEYS[2 + 2 * n], KEYS[3 + 2 * n]
    if snapshot ~= '' then
        local current = tonumber(redis.call('HGET', state, 'last_trade_id') or '-1')
        if last_id > current then
            redis.call('HSET', state, 'last_trade_id', ARGV[2], 'view', snapshot)
            redis.call('PUBLISH', ARGV[8], name .. ' ' .. ARGV[1] .. ' ' .. ARGV[2])
            advanced = 1
        end
        if history == '1' and redis.call('ZCOUNT', views, last_id, last_id) == 0 then
            redis.call('ZADD', views, last_id, snapshot)
            redis.call('ZREMRANGEBYRANK', views, 0, -(kept + 1))
        end
    end
end
return {added, advanced, new}
