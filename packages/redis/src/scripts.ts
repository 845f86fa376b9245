import { createHash } from 'node:crypto'
import { VERSION } from './codec.js'

/**
 * The Lua scripts. On a cluster each call concerns one bucket: every key it touches carries the
 * bucket's hash tag, so it runs on the one master owning that slot, and Redis runs it atomically.
 * On a single node invalidate and clear take every bucket in one call. Keys are named by the
 * layout in `layout.ts` from a bucket's base `{prefix:bucket}:`. Keys found while running (entries listed by an index, indexes named in an entry's header) cannot be
 * declared up front; they are in the same slot, which is what Redis Cluster requires.
 *
 * Times are the server's `TIME` in microseconds (exact in a double until the year 2255), so invalidation
 * marks and fill fences are compared on the clock of the node that holds them.
 *
 * Every script declares its flags (Redis 7), because what a full Redis (maxmemory reached under
 * `noeviction`) may run decides consistency: a script without flags is only checked at its first
 * write command, and one that starts with ZREM or DEL (never refused for memory) then writes
 * whatever it likes. Scripts that remove data or keep the fence (invalidate, clear, mark) say
 * `allow-oom`: a write must be able to remove what it changed from a full Redis. The fill says
 * nothing, so Redis refuses it whole, before it runs, while memory is over the limit.
 */
const PRELUDE = `
local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
-- Removes one entry of the bucket named by base, and its index memberships (read from the
-- entry's header without its body). Answers 1 if the entry existed.
local function drop(base, member)
  local ek = base .. 'e:' .. member
  redis.call('ZREM', base .. 'all', member)
  local head = redis.call('GETRANGE', ek, 0, 4)
  if #head == 0 then return 0 end
  -- Every version so far starts with the same index names (see codec.ts).
  if #head == 5 and string.byte(head, 1) >= 1 and string.byte(head, 1) <= ${VERSION} then
    local m = struct.unpack('>I4', head, 2)
    if m > 0 then
      local names = redis.call('GETRANGE', ek, 5, 4 + m)
      local pos, index = 1, 'p:'
      while pos + 3 <= #names do
        local len = struct.unpack('>I4', names, pos)
        redis.call('ZREM', base .. index .. string.sub(names, pos + 4, pos + 3 + len), member)
        pos = pos + 4 + len
        index = 't:'
      end
    end
  end
  redis.call('DEL', ek)
  return 1
end
`

/**
 * mark: answers the node's TIME and keeps the epochs of the buckets named: renews each, or creates
 * it (one microsecond before now) if it was lost. A fill is accepted only while the epoch of its
 * bucket, older than its fence, survives, so a flush or restart that loses the invalidation marks
 * also refuses every fill fenced before it.
 * KEYS: epochs. ARGV: epoch TTL (ms, at least the fill window, so a live fill's epoch never expires).
 */
const MARK = `
local t = redis.call('TIME')
local stamp = string.format('%d', tonumber(t[1]) * 1000000 + tonumber(t[2]) - 1)
for i = 1, #KEYS do
  if redis.call('PEXPIRE', KEYS[i], ARGV[1]) == 0 then redis.call('SET', KEYS[i], stamp, 'PX', ARGV[1]) end
end
return t
`

/**
 * set: refuses (0) if the fill fence is older than the fill window, if the bucket's epoch is gone
 * or not older than the fence (the marks a write left may have been lost since, or a clear came
 * after), or if the key, the path or a tag was invalidated at or after it; else replaces the entry
 * and indexes it (1). Past the variant bound, the path's variants in this bucket that expire first
 * go, so one path cannot make an invalidation as long as an attacker likes.
 * KEYS: entry, all, path index, epoch, key mark, path mark, then (tag index, tag mark) per tag.
 * ARGV: base, key, since (µs), ttl (ms), fill window (µs), variants per path in a bucket, value,
 * epoch TTL (ms).
 */
const SET = `
local since = tonumber(ARGV[3])
local now = now_us()
if now - since >= tonumber(ARGV[5]) then return 0 end
local epoch = redis.call('GET', KEYS[4])
if not epoch then
  -- Lost, or never made in this bucket (a Vary variant hashed away from the key that was fenced):
  -- made now, it refuses this fill and those fenced before, and accepts the next.
  redis.call('SET', KEYS[4], string.format('%d', now - 1), 'PX', ARGV[8])
  return 0
end
if tonumber(epoch) >= since then return 0 end
for i = 5, 6 do
  local m = redis.call('GET', KEYS[i])
  if m and tonumber(m) >= since then return 0 end
end
for i = 8, #KEYS, 2 do
  local m = redis.call('GET', KEYS[i])
  if m and tonumber(m) >= since then return 0 end
end
local base, member = ARGV[1], ARGV[2]
drop(base, member)
local px = tonumber(ARGV[4])
redis.call('SET', KEYS[1], ARGV[7], 'PX', px)
local now_ms = math.floor(now / 1000)
local score = now_ms + px
local function index(k)
  redis.call('ZADD', k, score, member)
  redis.call('ZREMRANGEBYSCORE', k, '-inf', now_ms)
  if redis.call('PTTL', k) < px then redis.call('PEXPIRE', k, px) end
end
index(KEYS[2])
index(KEYS[3])
for i = 7, #KEYS, 2 do index(KEYS[i]) end
local over = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[6])
if over > 0 then
  for _, old in ipairs(redis.call('ZRANGE', KEYS[3], 0, over)) do
    if over > 0 and old ~= member then
      drop(base, old)
      -- An index member whose entry is already gone has no header to name its path.
      redis.call('ZREM', KEYS[3], old)
      over = over - 1
    end
  end
end
return 1
`

/**
 * invalidate: for one or more buckets (one on a cluster; all at once on a single node), stamps a
 * mark for every target and removes what it names; answers the number of entries removed. Index
 * members whose expiry has passed are skipped (their entry is gone, or is a later entry that no
 * longer carries this path or tag).
 * KEYS, bucket after bucket: (entry, key mark) per key, then (index, mark) per path and per tag.
 * ARGV: mark TTL (ms), then per bucket: base, number of keys, number of paths and tags, the keys.
 */
const INVALIDATE = `
local now = now_us()
local stamp, now_ms = string.format('%d', now), math.floor(now / 1000)
local removed, k, a = 0, 1, 2
while a <= #ARGV do
  local base, nk, ni = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  for i = 1, nk do
    redis.call('SET', KEYS[k + 1], stamp, 'PX', ARGV[1])
    removed = removed + drop(base, ARGV[a + 2 + i])
    k = k + 2
  end
  for i = 1, ni do
    redis.call('SET', KEYS[k + 1], stamp, 'PX', ARGV[1])
    for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[k], '(' .. string.format('%d', now_ms), '+inf')) do
      removed = removed + drop(base, member)
    end
    redis.call('DEL', KEYS[k])
    k = k + 2
  end
  a = a + 3 + nk
end
return removed
`

/**
 * clear: for one or more buckets, moves the epoch to now (refusing every fill fenced before it) and
 * removes up to ARGV[2] entries per bucket; answers how many are left, so the caller repeats until
 * 0 without blocking Redis for long.
 * KEYS, per bucket: all, epoch. ARGV: epoch TTL (ms), batch size, then the buckets' bases.
 */
const CLEAR = `
local stamp = string.format('%d', now_us())
local left = 0
for i = 3, #ARGV do
  local all, epoch = KEYS[2 * i - 5], KEYS[2 * i - 4]
  redis.call('SET', epoch, stamp, 'PX', ARGV[1])
  for _, member in ipairs(redis.call('ZRANGE', all, 0, tonumber(ARGV[2]) - 1)) do drop(ARGV[i], member) end
  left = left + redis.call('ZCARD', all)
end
return left
`

export interface Script {
  readonly name: string
  readonly source: string
  readonly sha: string
}

/** `flags`: the Redis 7 script flags of the shebang line (see the top of this file). */
function script(name: string, flags: string, body: string): Script {
  const source = `#!lua${flags === '' ? '' : ` flags=${flags}`}\n` + PRELUDE + body
  return { name, source, sha: createHash('sha1').update(source).digest('hex') }
}

export const SCRIPTS = {
  mark: script('mark', 'allow-oom', MARK),
  set: script('set', '', SET),
  invalidate: script('invalidate', 'allow-oom', INVALIDATE),
  clear: script('clear', 'allow-oom', CLEAR),
} as const
