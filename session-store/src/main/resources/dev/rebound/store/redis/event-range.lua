-- Reads a session's events after a cursor, oldest first, in one consistent view of its streams (see event.lua).
-- KEYS  1 events (stream)   2 the events of the layout before (one entry per event)
-- ARGV  1 maxEvents   2 limit   3 the cursor's base ('' = from the oldest kept)   4 the cursor's second part
-- Returns {from, older, entries}: entries of the older stream, each one event, then entries of the stream, whose
-- events numbered below `from` the caller skips (they are under the cap's floor, or at or before the cursor). At
-- least `limit` events when the session has them: every entry holds one event at least.
local limit = tonumber(ARGV[2])
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local base, floor
if top[1] then
  local b, l = string.match(top[1][1], '^(%d+)-(%d+)$')
  base, floor = b, math.max(1, tonumber(l) - tonumber(ARGV[1]) + 1)
end
local afterBase = ARGV[3] ~= '' and tonumber(ARGV[3]) or nil
if base == nil or afterBase == nil or afterBase < tonumber(base) then
  -- the cursor is before this stream: the older layout's events come first
  local older = redis.call('XRANGE', KEYS[2], afterBase == nil and '-' or '(' .. ARGV[3] .. '-' .. ARGV[4], '+',
    'COUNT', limit)
  if base == nil or #older >= limit then return {0, older, {}} end
  return {floor, older, redis.call('XRANGE', KEYS[1], base .. '-' .. floor, '+', 'COUNT', limit - #older)}
end
if afterBase > tonumber(base) then return {0, {}, {}} end
local from = math.max(floor, tonumber(ARGV[4]) + 1)
return {from, {}, redis.call('XRANGE', KEYS[1], base .. '-' .. string.format('%d', from), '+', 'COUNT', limit)}
