-- Save a trend model version unless the newest one was trained on the same data; keep
-- `latest` the highest version saved, whatever order overlapping saves finish in, and only
-- the newest `kept` versions.
-- KEYS: models hash; ARGV: version, kept, data digest, skops file, card (JSON).
-- Returns {version, 1} when saved, {newest version, 0, its card} when the newest has the
-- same digest.
local version, kept = tonumber(ARGV[1]), tonumber(ARGV[2])
local latest = tonumber(redis.call('HGET', KEYS[1], 'latest'))
if latest then
    local card = redis.call('HGET', KEYS[1], latest .. ':card')
    if card and cjson.decode(card)['data_digest'] == ARGV[3] then
        return {latest, 0, card}
    end
end
redis.call('HSET', KEYS[1], version .. ':skops', ARGV[4], version .. ':card', ARGV[5])
local newest = version
if latest and latest > version then
    newest = latest
end
redis.call('HSET', KEYS[1], 'latest', newest)
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    local v = tonumber(string.match(field, '^(%d+):'))
    if v and v <= newest - kept then
        redis.call('HDEL', KEYS[1], field)
    end
end
return {version, 1}
