-- Claims one due job. KEYS: due. ARGV: now ms, owner, lease ms, job key prefix.
-- Every job key shares the {rjobs} hash tag with the due set: one slot, so touching them here is allowed in a cluster.
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 20)
for _, id in ipairs(ids) do
  local key = ARGV[4] .. id
  local status = redis.call('HGET', key, 'status')
  if status == 'queued' or status == 'in_progress' then
    local lease = now + tonumber(ARGV[3])
    -- a gateway meeting its own job again (its clock jumped past the lease) still runs it: no new run
    local owner = redis.call('HGET', key, 'owner')
    if owner ~= ARGV[2] then redis.call('HINCRBY', key, 'runs', 1) end
    -- a job still in progress under another gateway's lapsed lease is taken over: its reason says from whom (the same
    -- words as EmbeddedResponseJobStore's)
    if status == 'in_progress' and owner and owner ~= '' and owner ~= ARGV[2] then
      local ranOut = now - (tonumber(redis.call('HGET', key, 'lease')) or now)
      redis.call('HSET', key, 'reason', 'taken over from gateway ' .. owner .. ': its lease ran out '
        .. string.format('%d', ranOut) .. ' ms before, without a renewal (it stopped answering or died)')
    end
    redis.call('HSET', key, 'status', 'in_progress', 'owner', ARGV[2], 'lease', lease)
    redis.call('ZADD', KEYS[1], lease, id)
    return redis.call('HGETALL', key)
  end
  -- ended (or expired) jobs leave the queue
  redis.call('ZREM', KEYS[1], id)
end
return false
