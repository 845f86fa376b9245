import { LarderOptionError, show } from './errors.js'
import { headersSize } from './headers.js'
import type { CacheEntry, EntryMeta, InvalidationTargets, Store } from './types.js'

export interface MemoryStoreOptions {
  /** Upper bound on the memory entries take (bodies, headers, keys, bookkeeping). Default 64 MiB. */
  maxBytes?: number
  /** Upper bound on the number of entries. Default unbounded (maxBytes still applies). */
  maxEntries?: number
  /**
   * Upper bound on the variants (query strings, header values) kept for one path; past it the
   * oldest variant of that path goes, so random query strings cannot push a whole site out of the
   * cache. Default 1000.
   */
  maxVariantsPerPath?: number
}

/**
 * How long an invalidation is remembered for the fill-race check. A miss whose handler started
 * longer ago than this before an invalidation that was since forgotten cannot be proven fresh, and
 * is not stored.
 */
export const FILL_WINDOW_MS = 60_000

// Fixed per-entry cost of the node, its index slots and the entry object: an estimate, which the
// bench's memory scenario checks against the heap (bench/README.md).
const NODE_OVERHEAD = 400

/**
 * `entry`, with a body that holds only its own bytes. A body that is a view into a larger buffer
 * keeps all of that buffer alive: small Buffers share Node's 8 KiB pool (Buffer.from, allocUnsafe,
 * Buffer.concat of a small total), and a slice keeps its parent. The store's byte bound counts
 * what it retains, so such a body is copied into a buffer of its exact size, outside the pool.
 */
function ownBody(entry: CacheEntry): CacheEntry {
  const body = entry.body
  if (body.byteLength === body.buffer.byteLength) return entry
  const own = Buffer.allocUnsafeSlow(body.byteLength)
  own.set(body)
  return { ...entry, body: own }
}

class Node {
  prev: Node | undefined = undefined
  next: Node | undefined = undefined
  constructor(
    readonly key: string,
    readonly entry: CacheEntry,
    readonly size: number,
    readonly path: string,
    readonly tags: readonly string[],
    readonly bucket: number,
  ) {}
}

interface Mark {
  seq: number
  at: number
}

// An index slot holds its only node directly and becomes a Set at the second. Most paths have one
// variant: a Set for each would add a Set's bytes to every entry and one more memory access per removal.
type Slot = Node | Set<Node>
type Index<K> = Map<K, Slot>

/** Adds `node` under `k`; returns how many nodes `k` now holds. */
function addTo<K>(index: Index<K>, k: K, node: Node): number {
  const slot = index.get(k)
  if (slot === undefined) {
    index.set(k, node)
    return 1
  }
  if (slot instanceof Set) return slot.add(node).size
  if (slot === node) return 1
  index.set(k, new Set([slot, node]))
  return 2
}

function removeFrom<K>(index: Index<K>, k: K, node: Node): void {
  const slot = index.get(k)
  if (slot === undefined) return
  if (slot instanceof Set) {
    slot.delete(node)
    if (slot.size === 0) index.delete(k)
  } else if (slot === node) index.delete(k)
}

/** A copy of a slot's nodes, oldest first, safe to remove while iterating. */
function nodesOf(slot: Slot | undefined): Node[] {
  if (slot === undefined) return []
  return slot instanceof Set ? [...slot] : [slot]
}

function oldestOf(slot: Slot): Node {
  return slot instanceof Set ? slot.values().next().value! : slot
}

/**
 * An in-process store: LRU bounded by bytes (and optionally entries), O(1) get and set, TTL
 * expiry swept once a second by bucket so expired entries free their memory and index slots even
 * if never read again, and tag/path indexes so an invalidation touches only what it removes.
 */
export class MemoryStore implements Store {
  readonly name = 'memory'
  readonly local = true
  private readonly maxBytes: number
  private readonly maxEntries: number
  private readonly maxVariantsPerPath: number
  private readonly entries = new Map<string, Node>()
  // Most recently used at the head.
  private head: Node | undefined = undefined
  private tail: Node | undefined = undefined
  private bytes = 0
  private readonly byTag: Index<string> = new Map()
  private readonly byPath: Index<string> = new Map()
  // Expiry buckets by whole second (the second an entry is past its expiresAt).
  private readonly byExpiry: Index<number> = new Map()
  private sweptThrough = Math.floor(Date.now() / 1000)
  // Invalidation marks in time order: re-marking moves an id to the end.
  private readonly marks = new Map<string, Mark>()
  private seq = 0
  private forgottenThrough = 0
  private evictions = 0
  private expirations = 0
  private readonly timer: NodeJS.Timeout
  private closed = false

  constructor(options: MemoryStoreOptions = {}) {
    const o = options ?? {}
    for (const k of Object.keys(o)) {
      if (k !== 'maxBytes' && k !== 'maxEntries' && k !== 'maxVariantsPerPath') {
        throw new LarderOptionError(k, `unknown memoryStore option "${k}"; valid options are maxBytes, maxEntries, maxVariantsPerPath (for example memoryStore({ maxBytes: 64 * 1024 * 1024 }))`)
      }
    }
    this.maxBytes = o.maxBytes ?? 64 * 1024 * 1024
    if (!Number.isInteger(this.maxBytes) || this.maxBytes < 1024) {
      throw new LarderOptionError('maxBytes', `memoryStore option "maxBytes" must be a whole number of bytes, at least 1024 (for example maxBytes: 64 * 1024 * 1024); got ${show(o.maxBytes)}`)
    }
    this.maxEntries = o.maxEntries ?? Number.POSITIVE_INFINITY
    if (o.maxEntries !== undefined && (!Number.isInteger(o.maxEntries) || o.maxEntries < 1)) {
      throw new LarderOptionError('maxEntries', `memoryStore option "maxEntries" must be a whole number of at least 1 (for example maxEntries: 10000); got ${show(o.maxEntries)}`)
    }
    this.maxVariantsPerPath = o.maxVariantsPerPath ?? 1000
    if (!Number.isInteger(this.maxVariantsPerPath) || this.maxVariantsPerPath < 1) {
      throw new LarderOptionError('maxVariantsPerPath', `memoryStore option "maxVariantsPerPath" must be a whole number of at least 1 (for example maxVariantsPerPath: 1000); got ${show(o.maxVariantsPerPath)}`)
    }
    this.timer = setInterval(() => this.sweep(Date.now()), 1000)
    this.timer.unref()
  }

  get(key: string): CacheEntry | undefined {
    const node = this.entries.get(key)
    if (node === undefined) return undefined
    if (node.entry.expiresAt <= Date.now()) {
      this.remove(node)
      this.expirations++
      return undefined
    }
    if (node !== this.head) {
      this.unlink(node)
      this.pushHead(node)
    }
    return node.entry
  }

  mark(_key?: string, _path?: string): number {
    return this.seq
  }

  set(key: string, entry: CacheEntry, meta: EntryMeta): boolean {
    if (this.closed || this.invalidatedSince(key, meta)) return false
    entry = ownBody(entry)
    const size = NODE_OVERHEAD + entry.body.byteLength + headersSize(entry.headers) + (key.length + meta.path.length + meta.tags.reduce((n, t) => n + t.length + 16, 0)) * 2
    const old = this.entries.get(key)
    if (old !== undefined) this.remove(old)
    if (size > this.maxBytes) return false
    const node = new Node(key, entry, size, meta.path, meta.tags, Math.ceil(entry.expiresAt / 1000))
    this.entries.set(key, node)
    this.pushHead(node)
    this.bytes += size
    const variants = addTo(this.byPath, node.path, node)
    for (const tag of node.tags) addTo(this.byTag, tag, node)
    addTo(this.byExpiry, node.bucket, node)
    if (variants > this.maxVariantsPerPath) {
      // A Set iterates in insertion order: the first is the path's oldest variant.
      this.remove(oldestOf(this.byPath.get(node.path)!))
      this.evictions++
    }
    while ((this.bytes > this.maxBytes || this.entries.size > this.maxEntries) && this.tail !== undefined && this.tail !== node) {
      this.remove(this.tail)
      this.evictions++
    }
    return true
  }

  invalidate(targets: InvalidationTargets): number {
    const now = Date.now()
    this.prune(now)
    const seq = ++this.seq
    let removed = 0
    for (const key of targets.keys ?? []) {
      this.remember('k' + key, seq, now)
      const node = this.entries.get(key)
      if (node !== undefined) {
        this.remove(node)
        removed++
      }
    }
    for (const path of targets.paths ?? []) {
      this.remember('p' + path, seq, now)
      removed += this.removeAll(this.byPath.get(path))
    }
    for (const tag of targets.tags ?? []) {
      this.remember('t' + tag, seq, now)
      removed += this.removeAll(this.byTag.get(tag))
    }
    return removed
  }

  clear(): void {
    this.entries.clear()
    this.byTag.clear()
    this.byPath.clear()
    this.byExpiry.clear()
    this.marks.clear()
    this.head = this.tail = undefined
    this.bytes = 0
    // Every fill in progress predates the clear: refuse them all.
    this.forgottenThrough = ++this.seq
  }

  close(): void {
    this.closed = true
    clearInterval(this.timer)
    this.clear()
  }

  stats(): Record<string, number> {
    return {
      entries: this.entries.size,
      bytes: this.bytes,
      maxBytes: this.maxBytes,
      evictions: this.evictions,
      expirations: this.expirations,
      tags: this.byTag.size,
      paths: this.byPath.size,
      expiryBuckets: this.byExpiry.size,
      invalidationMarks: this.marks.size,
    }
  }

  /** Drops every entry whose time is up; runs once a second and touches only expired buckets. */
  sweep(now: number): void {
    const through = Math.floor(now / 1000)
    for (let second = this.sweptThrough + 1; second <= through; second++) {
      const bucket = this.byExpiry.get(second)
      if (bucket === undefined) continue
      for (const node of nodesOf(bucket)) {
        this.remove(node)
        this.expirations++
      }
    }
    this.sweptThrough = Math.max(this.sweptThrough, through)
    this.prune(now)
  }

  private invalidatedSince(key: string, meta: EntryMeta): boolean {
    if (meta.since < this.forgottenThrough) return true
    const since = meta.since
    if ((this.marks.get('k' + key)?.seq ?? 0) > since) return true
    if ((this.marks.get('p' + meta.path)?.seq ?? 0) > since) return true
    for (const tag of meta.tags) if ((this.marks.get('t' + tag)?.seq ?? 0) > since) return true
    return false
  }

  private remember(id: string, seq: number, at: number): void {
    this.marks.delete(id)
    this.marks.set(id, { seq, at })
  }

  private prune(now: number): void {
    const cutoff = now - FILL_WINDOW_MS
    for (const [id, mark] of this.marks) {
      if (mark.at >= cutoff) break
      this.forgottenThrough = mark.seq
      this.marks.delete(id)
    }
  }

  private removeAll(slot: Slot | undefined): number {
    const nodes = nodesOf(slot)
    for (const node of nodes) this.remove(node)
    return nodes.length
  }

  private remove(node: Node): void {
    if (this.entries.get(node.key) !== node) return
    this.entries.delete(node.key)
    this.unlink(node)
    this.bytes -= node.size
    removeFrom(this.byPath, node.path, node)
    for (const tag of node.tags) removeFrom(this.byTag, tag, node)
    removeFrom(this.byExpiry, node.bucket, node)
  }

  private pushHead(node: Node): void {
    node.prev = undefined
    node.next = this.head
    if (this.head !== undefined) this.head.prev = node
    this.head = node
    if (this.tail === undefined) this.tail = node
  }

  private unlink(node: Node): void {
    if (node.prev !== undefined) node.prev.next = node.next
    else if (this.head === node) this.head = node.next
    if (node.next !== undefined) node.next.prev = node.prev
    else if (this.tail === node) this.tail = node.prev
    node.prev = node.next = undefined
  }
}

/** The default store: entries live in this process. */
export function memoryStore(options?: MemoryStoreOptions): MemoryStore {
  return new MemoryStore(options)
}
