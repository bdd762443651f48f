-- Records a session's last update in the tenant's listing and forgets sessions whose TTL has passed.
-- KEYS  1 rb:idx:<tenant> (sorted set, score = last update millis, member = session id)
-- ARGV  1 session id   2 updatedMillis   3 expiredBeforeMillis (updated - ttl)   4 ttlMillis
-- Runs after write.lua as a second call: the index lives on another cluster slot than the session.
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
