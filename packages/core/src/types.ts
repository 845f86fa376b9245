/** Types shared by the engine, the stores and the adapters. */

export type MaybePromise<T> = T | Promise<T>

export type HeaderValue = string | string[]

/** Request headers as Node gives them: lower-case names. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>

/** Response headers as Node's `res.getHeaders()` / Fastify's `reply.getHeaders()` give them. */
export type ResponseHeaders = Readonly<Record<string, number | string | readonly string[] | undefined>>

/** A cached response, exactly as it is replayed. Times are absolute (epoch ms) so every reader compares against `Date.now()` alike. */
export interface CacheEntry {
  status: number
  /** Lower-case names; hop-by-hop, Connection-listed and per-response headers (age, content-length, x-cache) removed; date kept. */
  headers: Record<string, HeaderValue>
  body: Uint8Array
  /** When the response was stored. */
  storedAt: number
  /**
   * When the entry goes stale (RFC 9111 §4.2: its freshness lifetime has passed). Until
   * `expiresAt` a stale entry is kept to be revalidated. Absent (an entry written by an older
   * larder): the entry is fresh until `expiresAt`.
   */
  freshUntil?: number
  /** The response's age when stored, in ms (RFC 9111 §4.2.3): a hit's Age counts from it. Absent: 0. */
  initialAge?: number
  /** When the store may drop the entry: its freshness, plus the time it is kept stale. */
  expiresAt: number
}

/** What a store needs besides the entry: the indexes it is invalidated by, and when its fill started. */
export interface EntryMeta {
  /** The index path (see `indexPath`): invalidating this path removes the entry. */
  path: string
  tags: readonly string[]
  /** The fill's fence: the store's `mark()` taken before the handler ran. */
  since: number
}

export interface InvalidationTargets {
  keys?: readonly string[]
  tags?: readonly string[]
  /** Index paths (see `indexPath`): every variant (query string, headers) stored under one of them is removed. */
  paths?: readonly string[]
}

/**
 * The seam between the engine and a storage backend. A store keeps bytes and indexes; every HTTP
 * decision stays in the engine. Methods may answer synchronously (memory) or with a promise (network).
 *
 * The fill-race contract: `mark(key, path)` returns a fill's fence, a position in the store's own
 * invalidation order, taken before the handler runs (a store may take it from the clock of the node that will
 * hold the entry); `set()` must refuse (return false) an entry whose key, path or any tag was
 * invalidated after that fence, and must do the check and the write atomically. That is what keeps
 * a slow miss that read old data from storing it after a write invalidated it.
 *
 * `clear()` removes every entry of the store and refuses every fill whose fence was taken before it.
 */
export interface Store {
  readonly name: string
  /**
   * Entries live in this process and change only through it (the memory store), unlike a store
   * other instances write to. A cache that is this store's only user then sees every write that
   * could make a response stale, which lets it answer requests waiting on a miss that a write
   * overtook with that miss's response (they all arrived before the write was acknowledged).
   */
  readonly local?: boolean
  get(key: string): MaybePromise<CacheEntry | undefined>
  /**
   * A fill's fence: where the store's invalidation order stands now (see the fill-race contract
   * above). Not an invalidation mark, which is what `invalidate` records per key, path and tag.
   */
  mark(key: string, path: string): MaybePromise<number>
  set(key: string, entry: CacheEntry, meta: EntryMeta): MaybePromise<boolean>
  /** Removes every entry matching any target; answers how many were removed. */
  invalidate(targets: InvalidationTargets): MaybePromise<number>
  clear(): MaybePromise<void>
  close(): MaybePromise<void>
  /** Store-specific gauges (entries, bytes, …) merged into `cache.stats().store`. */
  stats?(): Record<string, number>
}

/** A request in the core's terms. Adapters build one per request; `raw` is what user functions receive. */
export interface RequestInfo<R = unknown> {
  method: string
  /** Path and query exactly as received (Express `originalUrl`, Fastify `url`). */
  url: string
  headers: RequestHeaders
  /** The host as the handler sees it, port included (after the framework's trust-proxy handling). */
  host: string | undefined
  /**
   * The scheme as the handler sees it (Express `req.protocol`, Fastify `request.protocol`: the
   * connection's, or X-Forwarded-Proto's when the proxy is trusted). Keyed unless 'http'; an adapter
   * that leaves it out gets any X-Forwarded-Proto keyed by its value.
   */
  protocol?: string | undefined
  raw: R
}

/** A pino-style logger (Fastify's `request.log`); errors are reported to it besides `onError`. */
export interface Logger {
  warn(obj: object, msg: string): void
  /** Why a request bypassed the cache or its response was not stored (pino's signature). */
  debug?(obj: object, msg: string): void
  /** pino's: debug messages go only to a logger that has it and says debug is on. */
  isLevelEnabled?(level: string): boolean
}

export interface ErrorContext {
  /** Which operation failed: 'get', 'set', 'mark', 'invalidate', 'tags', 'key', … */
  op: string
  key?: string
}

/**
 * Where an adapter reads a miss's response headers: one object per adapter, like HeaderSink. Most
 * responses of an uncacheable route are refused after a header or two, so they are read where the
 * framework keeps them, one by one, and copied (`all`) only for a response that will be stored.
 */
export interface HeaderSource<T> {
  /** The value of header `name` (lower case), or undefined. */
  get(response: T, name: string): ResponseHeaders[string]
  /** Every header, in an object the cache may keep. */
  all(response: T): ResponseHeaders
}

/** Where an adapter applies replayed headers. */
export interface HeaderSink<T> {
  has(target: T, name: string): boolean
  set(target: T, name: string, value: HeaderValue): void
  /**
   * Optional: the names (lower case) of every header already set, for a framework where one call
   * that lists them costs less than a `has` per stored header (Node's response: each call on an
   * Express response is a lookup that misses V8's caches). Used instead of `has` when present.
   */
  names?(target: T): readonly string[]
}
