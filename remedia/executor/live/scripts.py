"""The Lua scripts that write a run's snapshot and stream, each atomically in one round trip.

Why scripts rather than MULTI/EXEC: transitions of one run are committed in ``seq`` order but
published after commit from several processes (the dispatcher queues a step, a worker starts
it), so they reach Redis in any order. A write must therefore *read* before it writes: refuse a
field older than the one stored, hold back an event that arrives before its predecessor, and
refuse to recreate a snapshot that a flush removed (only a rebuild from the database may do
that). MULTI cannot branch on a read without a WATCH round trip; a script does it in one.

Bookkeeping lives in the snapshot hash: ``_seq`` is the last state event released to the
stream, ``_gap_since`` when the oldest missing event started being waited for. Events that
came early wait in the ``held`` hash until their predecessor arrives or ``gap_ms`` passes.
"""

from __future__ import annotations

from redis import Redis
from redis.commands.core import Script

# KEYS: snapshot, stream, held.  release() appends held events in seq order and returns the
# last released seq; a gap older than gap_ms is skipped (its event was lost after commit).
_RELEASE = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function release(snap, stream, held, maxlen, gap_ms)
  local start = tonumber(redis.call('HGET', snap, '_seq') or '0')
  local last = start
  while true do
    local payload = redis.call('HGET', held, tostring(last + 1))
    if payload then
      redis.pcall('XADD', stream, 'MAXLEN', '~', maxlen, (last + 1) .. '-0', 'e', payload)
      redis.call('HDEL', held, tostring(last + 1))
      last = last + 1
    else
      local waiting = redis.call('HKEYS', held)
      if #waiting == 0 then
        redis.call('HDEL', snap, '_gap_since')
        break
      end
      local now = now_ms()
      local since = tonumber(redis.call('HGET', snap, '_gap_since') or '-1')
      if since < 0 then
        redis.call('HSET', snap, '_gap_since', now)
        since = now
      end
      if now - since < gap_ms then break end
      local lowest = nil
      for _, k in ipairs(waiting) do
        local s = tonumber(k)
        if lowest == nil or s < lowest then lowest = s end
      end
      last = lowest - 1
      redis.call('HDEL', snap, '_gap_since')
    end
  end
  if last ~= start then redis.call('HSET', snap, '_seq', last) end
  return last
end

local function follow_expiry(snap, stream, held)
  local ttl = redis.call('PTTL', snap)
  if ttl > 0 then
    redis.call('PEXPIRE', stream, ttl)
    redis.call('PEXPIRE', held, ttl)
  end
end
"""

# ARGV: mode ('live' | 'rebuild'), maxlen, ttl_ms (-1 keep, 0 persist, >0 expire), gap_ms,
#       nfields, (field, seq, value) * nfields, nevents, (seq, payload) * nevents
# Returns the last released seq, or -1 when a live write found no snapshot.
APPLY = (
    _RELEASE
    + """
local snap, stream, held = KEYS[1], KEYS[2], KEYS[3]
local mode, maxlen, ttl, gap_ms = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
if redis.call('EXISTS', snap) == 0 then
  if mode ~= 'rebuild' then return -1 end
  redis.call('DEL', stream, held)
end
local i = 5
local run_written = false
local nfields = tonumber(ARGV[i])
i = i + 1
for _ = 1, nfields do
  local name, seq, value = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  i = i + 3
  local current = redis.call('HGET', snap, name)
  if (not current) or (tonumber(cjson.decode(current).seq) or -1) <= seq then
    redis.call('HSET', snap, name, value)
    if name == 'run' then run_written = true end
  end
end
if mode == 'rebuild' and redis.call('HEXISTS', snap, '_seq') == 0 then
  redis.call('HSET', snap, '_seq', 0)
end
local last = tonumber(redis.call('HGET', snap, '_seq') or '0')
local nevents = tonumber(ARGV[i])
i = i + 1
for _ = 1, nevents do
  if tonumber(ARGV[i]) > last then redis.call('HSET', held, ARGV[i], ARGV[i + 1]) end
  i = i + 2
end
if mode == 'rebuild' then gap_ms = 0 end
last = release(snap, stream, held, maxlen, gap_ms)
if (run_written or mode == 'rebuild') and ttl >= 0 then
  if ttl > 0 then
    redis.call('PEXPIRE', snap, ttl)
  else
    redis.call('PERSIST', snap)
    redis.call('PERSIST', stream)
    redis.call('PERSIST', held)
  end
end
follow_expiry(snap, stream, held)
return last
"""
)

# ARGV: field, value, event payload, maxlen, gap_ms.  A progress event takes the id
# '<last released seq>-<n>', so it sorts after the state event it follows.
PROGRESS = (
    _RELEASE
    + """
local snap, stream, held = KEYS[1], KEYS[2], KEYS[3]
if redis.call('EXISTS', snap) == 0 then return -1 end
redis.call('HSET', snap, ARGV[1], ARGV[2])
local last = release(snap, stream, held, ARGV[4], tonumber(ARGV[5]))
redis.call('XADD', stream, 'MAXLEN', '~', ARGV[4], last .. '-*', 'e', ARGV[3])
follow_expiry(snap, stream, held)
return last
"""
)

# ARGV: maxlen, gap_ms.  Lets an idle reader release events whose predecessor never came.
RELEASE = (
    _RELEASE
    + """
local snap, stream, held = KEYS[1], KEYS[2], KEYS[3]
if redis.call('EXISTS', snap) == 0 then return -1 end
local last = release(snap, stream, held, ARGV[1], tonumber(ARGV[2]))
follow_expiry(snap, stream, held)
return last
"""
)


class Scripts:
    """The three scripts registered on one client (EVALSHA, reloaded after a Redis restart)."""

    def __init__(self, client: Redis) -> None:
        self.apply: Script = client.register_script(APPLY)
        self.progress: Script = client.register_script(PROGRESS)
        self.release: Script = client.register_script(RELEASE)
