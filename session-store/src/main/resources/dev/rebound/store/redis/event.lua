-- Appends one write of events to a session's capped stream as one entry, and keeps the whole session's TTL as
-- write.lua does. An entry per event cost Redis an XADD each (about 2 us, with the call around it 4 us): a third of
-- what it spent on a checkpointed turn.
-- KEYS  1 events (stream)   2 meta   3 msgs   4 cps   5 the events of the layout before (one entry per event; only its
--       TTL is kept here)                                            (one hash tag: same cluster slot)
-- ARGV  1 maxEvents   2 ttlMillis   3 nowMillis   4 n = the events in this write   5 the events (EventRows)
-- Returns {base, first}: the events' ids are base-first .. base-(first + n - 1).
--
-- Entry ids are <base>-<the number of the entry's last event>: base is fixed when the stream is made, above any id its
-- session's older stream and any earlier stream of the same id had (a reader's cursor stays in order), and the second
-- part counts the session's events. So the cap is exact without a counter of its own: MINID drops every entry whose
-- events are all older than the newest maxEvents, and readers skip the older events of the oldest entry kept.
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local base, last
if top[1] then
  local b, l = string.match(top[1][1], '^(%d+)-(%d+)$')
  base, last = b, tonumber(l)
else
  base, last = ARGV[3], 0
  local older = redis.call('XREVRANGE', KEYS[5], '+', '-', 'COUNT', 1)
  if older[1] then
    local ms = tonumber(string.match(older[1][1], '^(%d+)'))
    if ms >= tonumber(base) then base = string.format('%d', ms + 1) end
  end
end
local n = tonumber(ARGV[4])
local newest = last + n
local floor = math.max(0, newest - tonumber(ARGV[1]) + 1)
redis.call('XADD', KEYS[1], 'MINID', base .. '-' .. string.format('%d', floor),
  base .. '-' .. string.format('%d', newest), 'e', ARGV[5])
-- the TTLs are refreshed when a tenth of the TTL has passed since write.lua set them (meta field ttlAt; each
-- redis.call costs Redis time); a stream this call created gets its TTL at once
local ttl, now = tonumber(ARGV[2]), tonumber(ARGV[3])
local ttlAt = tonumber(redis.call('HGET', KEYS[2], 'ttlAt'))
if ttlAt == nil or now - ttlAt >= ttl / 10 or now < ttlAt then
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ttl) end
  if ttlAt ~= nil then redis.call('HSET', KEYS[2], 'ttlAt', now) end
elseif last == 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return {base, last + 1}
