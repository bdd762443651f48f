-- One atomic session write: version check, (restore: rewind), append with replacePartial, checkpoint, meta, TTL.
-- Called by RedisCheckpointStore through EVALSHA; all KEYS share the session's hash tag, so this is cluster-safe.
--
-- KEYS  1 meta (hash)   2 msgs (list)   3 cps (list)   4 events (stream; only its TTL is refreshed here)
-- ARGV  1 mode: 'append' | 'create' (fork target: must not exist) | 'restore' (rewind to checkpoint ARGV[6] first)
--       2 expectedVersion   3 nowMillis   4 ttlMillis   5 replacePartial '1'|'0'   6 restoreSeq ('0' unless restore)
--       7 tenant   8 id   9 protocol   10 agent   11 status   12 forkedFrom   ('' = leave unchanged)
--       13 turnsDelta   14 tokensDelta
--       15 n = number of messages, then n encoded messages (MessageCodec: byte 1 = marker, bit 2 = partial)
--       then '1'|'0' = a checkpoint follows, then its encoded body (framed here as "<seq>:<messageCount>:" .. body)
-- Returns {'OK', <HGETALL meta>} | {'STALE', actualVersion} | {'EXISTS'} | {'MISSING'} | {'NO_CHECKPOINT'}
--         | {'SUPERSEDED', seqOfTheRewind}

local meta, msgs, cps = KEYS[1], KEYS[2], KEYS[3]
local mode = ARGV[1]

local current = redis.call('HGET', meta, 'version')
local exists = current ~= false
local version = exists and tonumber(current) or 0

if mode == 'create' and exists then return {'EXISTS'} end
if mode == 'restore' and not exists then return {'MISSING'} end
if tonumber(ARGV[2]) ~= version then return {'STALE', tostring(version)} end

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

local n = tonumber(ARGV[15])
if ARGV[5] == '1' and n > 0 then
  local last = redis.call('LINDEX', msgs, -1)
  if last and bit.band(string.byte(last, 1), 2) ~= 0 then redis.call('RPOP', msgs) end
end
local first, lastArg = 16, 15 + n
while first <= lastArg do
  -- unpack() is bounded by the Lua stack: push in chunks
  local upto = math.min(first + 999, lastArg)
  redis.call('RPUSH', msgs, unpack(ARGV, first, upto))
  first = upto + 1
end
local count = redis.call('LLEN', msgs)

if ARGV[16 + n] == '1' then
  local seq = redis.call('LLEN', cps) + 1
  redis.call('RPUSH', cps, seq .. ':' .. count .. ':' .. ARGV[17 + n])
end

if not exists then
  redis.call('HSET', meta, 'tenant', ARGV[7], 'id', ARGV[8], 'created', ARGV[3], 'turns', 0, 'tokens', 0,
    'status', 'active', 'protocol', '', 'agent', '', 'forkedFrom', '')
end
local changes = {protocol = ARGV[9], agent = ARGV[10], status = ARGV[11], forkedFrom = ARGV[12]}
for field, value in pairs(changes) do
  if value ~= '' then redis.call('HSET', meta, field, value) end
end
redis.call('HINCRBY', meta, 'turns', ARGV[13])
redis.call('HINCRBY', meta, 'tokens', ARGV[14])
redis.call('HSET', meta, 'updated', ARGV[3], 'version', version + 1, 'messageCount', count,
  'checkpointCount', redis.call('LLEN', cps))

for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ARGV[4]) end
return {'OK', redis.call('HGETALL', meta)}
