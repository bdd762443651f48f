-- Appends events to a session's capped stream and keeps the whole session's TTL as write.lua does.
-- KEYS  1 events (stream)   2 meta   3 msgs   4 cps        (one hash tag: same cluster slot)
-- ARGV  1 maxEvents   2 ttlMillis   3 nowMillis   then per event: n, then n field/value pairs (nullable fields are
--       left out by the caller, so n varies)
-- Returns the stream ids in order.
-- MAXLEN is exact, not '~': the cap is part of the store's contract and tests rely on it; streams are small.
local ids = {}
local i = 4
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  ids[#ids + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', unpack(ARGV, i + 1, i + 2 * n))
  i = i + 1 + 2 * n
end
-- the TTLs are refreshed when a tenth of the TTL has passed since write.lua set them (meta field ttlAt; each
-- redis.call costs Redis time); a stream this call created gets its TTL at once
local ttl, now = tonumber(ARGV[2]), tonumber(ARGV[3])
local ttlAt = tonumber(redis.call('HGET', KEYS[2], 'ttlAt'))
if ttlAt == nil or now - ttlAt >= ttl / 10 or now < ttlAt then
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ttl) end
  if ttlAt ~= nil then redis.call('HSET', KEYS[2], 'ttlAt', now) end
elseif redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return ids
