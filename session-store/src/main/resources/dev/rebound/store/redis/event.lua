-- Appends one event to a session's capped stream and refreshes the TTL of the whole session.
-- KEYS  1 events (stream)   2 meta   3 msgs   4 cps        (one hash tag: same cluster slot)
-- ARGV  1 maxEvents   2 ttlMillis   then field, value pairs (nullable fields are left out by the caller)
-- Returns the stream id.
-- MAXLEN is exact, not '~': the cap is part of the store's contract and tests rely on it; streams are small.
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', unpack(ARGV, 3, #ARGV))
for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ARGV[2]) end
return id
