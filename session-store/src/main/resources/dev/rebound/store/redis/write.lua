-- One atomic session write: version check, (restore: rewind), append with replacePartial, checkpoint, meta, TTL.
-- Called by RedisCheckpointStore through EVALSHA; all KEYS share the session's hash tag, so this is cluster-safe.
--
-- KEYS  1 meta (hash)   2 msgs (list)   3 cps (list)   4 events (stream; only its TTL is refreshed here)
-- ARGV  1 mode: 'append' | 'create' (fork target: must not exist) | 'restore' (rewind to checkpoint ARGV[6] first)
--         | 'replace' (the messages replace every stored one: a compaction; checkpoints, events and meta stay)
--       2 expectedVersion   3 nowMillis   4 ttlMillis   5 replacePartial '1'|'0'   6 restoreSeq ('0' unless restore)
--       7 tenant   8 id   9 protocol   10 agent   11 status   12 forkedFrom   ('' = leave unchanged)
--       13 turnsDelta   14 tokensDelta   15 expectedCreated millis ('' = any session of the id)
--       16..19 usage deltas: input, output, cacheRead, cacheWrite tokens
--       20 n = number of messages, then n encoded messages (MessageCodec: byte 1 = marker, bit 2 = partial)
--       then '1'|'0' = a checkpoint follows, then its encoded body (framed here as "<seq>:<messageCount>:" .. body)
-- Returns {'OK', <the meta as written: field, value, ...>} | {'STALE', actualVersion} | {'RECREATED', actualCreated} | {'EXISTS'} | {'MISSING'}
--         | {'NO_CHECKPOINT'} | {'SUPERSEDED', seqOfTheRewind}

local meta, msgs, cps = KEYS[1], KEYS[2], KEYS[3]
local mode = ARGV[1]

-- one read of what the write builds on; the meta is then written whole in one HSET and returned as written
local cur = redis.call('HMGET', meta, 'version', 'created', 'turns', 'tokens', 'status', 'protocol', 'agent',
  'forkedFrom', 'tokensIn', 'tokensOut', 'cacheRead', 'cacheWrite')
local exists = cur[1] ~= false
local version = exists and tonumber(cur[1]) or 0

if mode == 'create' and exists then return {'EXISTS'} end
if mode == 'restore' and not exists then return {'MISSING'} end
if tonumber(ARGV[2]) ~= version then return {'STALE', tostring(version)} end
if exists and ARGV[15] ~= '' and cur[2] ~= ARGV[15] then return {'RECREATED', cur[2]} end

local function messageCountOf(frame)
  return tonumber(string.match(frame, '^%d+:(%d+):'))
end

if mode == 'restore' then
  -- The target and every later checkpoint: a later one with fewer messages means a rewind dropped the target's tail.
  local later = redis.call('LRANGE', cps, tonumber(ARGV[6]) - 1, -1)
  if #later == 0 then return {'NO_CHECKPOINT'} end
  local keep = messageCountOf(later[1])
  for i = 2, #later do
    if messageCountOf(later[i]) < keep then return {'SUPERSEDED', string.match(later[i], '^(%d+):')} end
  end
  if keep == 0 then redis.call('DEL', msgs) else redis.call('LTRIM', msgs, 0, keep - 1) end
end

if mode == 'replace' then redis.call('DEL', msgs) end

local n = tonumber(ARGV[20])
if ARGV[5] == '1' and n > 0 then
  local last = redis.call('LINDEX', msgs, -1)
  if last and bit.band(string.byte(last, 1), 2) ~= 0 then redis.call('RPOP', msgs) end
end
local count
local first, lastArg = 21, 20 + n
while first <= lastArg do
  -- unpack() is bounded by the Lua stack: push in chunks; RPUSH answers the list's new length
  local upto = math.min(first + 999, lastArg)
  count = redis.call('RPUSH', msgs, unpack(ARGV, first, upto))
  first = upto + 1
end
if count == nil then count = redis.call('LLEN', msgs) end

local checkpoints = redis.call('LLEN', cps)
if ARGV[21 + n] == '1' then
  checkpoints = redis.call('RPUSH', cps, (checkpoints + 1) .. ':' .. count .. ':' .. ARGV[22 + n])
end

-- ARGV 9..12: '' leaves the field as it was (a new session starts active, with the others empty)
local function pick(change, current, default)
  if change ~= '' then return change end
  if exists and current then return current end
  return default
end
-- a sum kept in the meta (absent in sessions stored before usage was kept: 0)
local function summed(i, arg)
  return tostring((exists and tonumber(cur[i]) or 0) + tonumber(ARGV[arg]))
end
local written = {
  'tenant', ARGV[7], 'id', ARGV[8],
  'created', exists and cur[2] or ARGV[3], 'updated', ARGV[3],
  'turns', tostring((exists and tonumber(cur[3]) or 0) + tonumber(ARGV[13])),
  'tokens', tostring((exists and tonumber(cur[4]) or 0) + tonumber(ARGV[14])),
  'status', pick(ARGV[11], cur[5], 'active'), 'protocol', pick(ARGV[9], cur[6], ''),
  'agent', pick(ARGV[10], cur[7], ''), 'forkedFrom', pick(ARGV[12], cur[8], ''),
  'tokensIn', summed(9, 16), 'tokensOut', summed(10, 17), 'cacheRead', summed(11, 18),
  'cacheWrite', summed(12, 19),
  'version', tostring(version + 1), 'messageCount', tostring(count), 'checkpointCount', tostring(checkpoints)}
redis.call('HSET', meta, unpack(written))

for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ARGV[4]) end
return {'OK', written}
