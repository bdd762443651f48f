-- A run's write to the job it holds. KEYS: job, events, notes, due.
-- ARGV: id, mode (record | finish | release), owner, now ms, arg (record: lease ms; finish: status; release: notBefore
-- ms), response ('' keeps it), attempts added, reason ('' keeps it), keep ms (finished jobs expire after it),
-- session ('' keeps it), event count n, then n events, then the notes.
local job, events, notes, due = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, mode, owner, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local status = redis.call('HGET', job, 'status')
if not status then return {'lost', ''} end
if status ~= 'in_progress' or redis.call('HGET', job, 'owner') ~= owner then return {'lost', status} end
local n = tonumber(ARGV[11])
for i = 1, n do redis.call('RPUSH', events, ARGV[11 + i]) end
if #ARGV > 11 + n then
  for i = 12 + n, #ARGV do redis.call('RPUSH', notes, ARGV[i]) end
  redis.call('LTRIM', notes, -200, -1)
end
redis.call('HSET', job, 'events', redis.call('LLEN', events))
if ARGV[6] ~= '' then redis.call('HSET', job, 'response', ARGV[6]) end
if tonumber(ARGV[7]) > 0 then redis.call('HINCRBY', job, 'attempts', tonumber(ARGV[7])) end
if ARGV[8] ~= '' then redis.call('HSET', job, 'reason', ARGV[8]) end
if ARGV[10] ~= '' then redis.call('HSET', job, 'session', ARGV[10]) end
if mode == 'record' then
  local lease = now + tonumber(ARGV[5])
  redis.call('HSET', job, 'lease', lease)
  redis.call('ZADD', due, lease, id)
elseif mode == 'finish' then
  redis.call('HSET', job, 'status', ARGV[5], 'owner', '', 'lease', '')
  redis.call('ZREM', due, id)
  local keep = tonumber(ARGV[9])
  redis.call('PEXPIRE', job, keep)
  redis.call('PEXPIRE', events, keep)
  redis.call('PEXPIRE', notes, keep)
else
  redis.call('HSET', job, 'status', 'queued', 'owner', '', 'lease', '', 'notBefore', ARGV[5])
  redis.call('ZADD', due, tonumber(ARGV[5]), id)
end
return {'ok', redis.call('HGETALL', job)}
