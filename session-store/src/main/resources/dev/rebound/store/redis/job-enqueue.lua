-- A new background job. KEYS: job, due, all. ARGV: id, notBefore ms, created ms, then field, value pairs.
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('EXISTS a job with this id exists') end
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[1])
redis.call('ZADD', KEYS[3], tonumber(ARGV[3]), ARGV[1])
return redis.call('HGETALL', KEYS[1])
