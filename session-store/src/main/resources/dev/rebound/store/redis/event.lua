-- Appends events to a session's capped stream and refreshes the TTL of the whole session.
-- KEYS  1 events (stream)   2 meta   3 msgs   4 cps        (one hash tag: same cluster slot)
-- ARGV  1 maxEvents   2 ttlMillis   then per event: n, then n field/value pairs (nullable fields are left out by
--       the caller, so n varies)
-- Returns the stream ids in order.
-- MAXLEN is exact, not '~': the cap is part of the store's contract and tests rely on it; streams are small.
local ids = {}
local i = 3
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  ids[#ids + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', unpack(ARGV, i + 1, i + 2 * n))
  i = i + 1 + 2 * n
end
for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ARGV[2]) end
return ids
