-- Take a lock that is free, or extend one this holder already has.
-- KEYS: lock; ARGV: holder, ttl_ms. Returns 1 if the holder has the lock now.
local current = redis.call('GET', KEYS[1])
if current == false then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
end
if current == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
return 0
