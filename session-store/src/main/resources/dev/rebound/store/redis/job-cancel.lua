-- Cancels a job unless it ended. KEYS: job, events, notes, due. ARGV: id, tenant, reason, keep ms.
local status = redis.call('HGET', KEYS[1], 'status')
if not status or redis.call('HGET', KEYS[1], 'tenant') ~= ARGV[2] then return false end
if status == 'queued' or status == 'in_progress' then
  redis.call('HSET', KEYS[1], 'status', 'cancelled', 'owner', '', 'lease', '', 'reason', ARGV[3])
  redis.call('ZREM', KEYS[4], ARGV[1])
  local keep = tonumber(ARGV[4])
  redis.call('PEXPIRE', KEYS[1], keep)
  redis.call('PEXPIRE', KEYS[2], keep)
  redis.call('PEXPIRE', KEYS[3], keep)
end
return redis.call('HGETALL', KEYS[1])
