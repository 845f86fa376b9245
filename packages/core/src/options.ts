import { parseDuration, type Duration } from './duration.js'
import { CallbackError, LarderOptionError, show, type LarderError } from './errors.js'
import { MAX_LIFETIME_SECONDS } from './freshness.js'
import { keyFunction, keyedHeaders, keyInputs, type KeyFunction, type KeyOptions } from './key.js'
import { targetFunction, type TargetFunction } from './target.js'
import type { ErrorContext, Store } from './types.js'

export type TagSource<R> = readonly string[] | ((req: R) => readonly string[])

/** Options that a route may set; on `createCache` they are the defaults every route starts from. */
export interface RouteOptions<R = any> {
  /** How long an entry lives unless the response's s-maxage/max-age says otherwise. Default '5m'; at most a year. */
  ttl?: Duration
  /** Tags stored with the entry, for `cache.invalidate({ tags })` and mutations' `invalidates`. */
  tags?: TagSource<R>
  /** Tags a successful mutation on this route invalidates, besides its path and parent path. */
  invalidates?: TagSource<R>
  /** Response statuses that may be stored. Default [200]. */
  statuses?: readonly number[]
  /** Bodies larger than this are passed through but not stored. Default 1 MiB. */
  maxBodyBytes?: number
  /**
   * Cache requests carrying `Authorization` whatever the response says. The key must then include
   * the caller (`key.custom` or `key.headers: ['authorization']`). Default false: such requests
   * share an entry only with responses marked public, s-maxage or must-revalidate (RFC 9111 §3.5).
   */
  allowAuthorized?: boolean
  /**
   * Treat requests carrying cookies like requests without: for routes whose responses do not depend
   * on cookies (analytics, consent). Default false: a request with a Cookie header only shares
   * entries with responses marked public or s-maxage (not must-revalidate, which personalised pages
   * carry too).
   */
  allowCookies?: boolean
  /** Store responses that set cookies (the Set-Cookie header itself is never stored). Default false. */
  allowSetCookie?: boolean
  /** Honour a request's `Cache-Control: no-cache / max-age=0 / no-store`. Default false: any client could force origin hits. */
  clientCacheControl?: boolean
  /**
   * Let a response's freshness set its TTL: `s-maxage`, else `max-age` (at most a year); without
   * either, an `Expires` already past (or invalid) keeps it out. Default true. false: every stored
   * response lives `ttl`, whatever those headers say.
   */
  respectCacheControl?: boolean
  /**
   * Store only responses that state their freshness: `s-maxage`, `max-age`, `Expires`, or a
   * targeted field (`Larder-Cache-Control`, `CDN-Cache-Control` with `cdnCacheControl`). Default
   * false: a response that states none lives `ttl` (RFC 9111 §4.2.2 heuristic freshness), which is
   * what cache-aside routes rely on.
   */
  requireFreshness?: boolean
  /**
   * How long an entry is kept after it goes stale, so the next request revalidates it (the handler
   * gets `If-None-Match`/`If-Modified-Since` and may answer 304) instead of rendering it again; at
   * most a year. false: a stale entry is dropped. Default '10m'.
   */
  keepStale?: Duration | false
  /** Honour a response's `CDN-Cache-Control` (RFC 9213) over its Cache-Control. Default false. */
  cdnCacheControl?: boolean
  /** A successful mutation also invalidates its parent collection (`PUT /users/42` → `/users`). Default true. */
  invalidateParent?: boolean
  /** What the cache key is made of. */
  key?: KeyOptions<R>
}

export interface CacheOptions<R = any> extends RouteOptions<R> {
  /** Where entries live. Default `memoryStore()`. */
  store?: Store
  /** Prefix of every key, so several caches can share one store. Default 'larder'. */
  namespace?: string
  /** Keys longer than this are hashed. Default 512. */
  maxKeyLength?: number
  /** How long concurrent misses wait for the first one's response before running their own handler. Default '5s'. */
  lockTimeout?: Duration
  /** larder's own deadline for one store operation; past it the request is served by the handler. Default '100ms'. */
  storeTimeout?: Duration
  /** Response header carrying HIT / MISS / BYPASS, or false for none. Default 'x-cache'. */
  statusHeader?: string | false
  /**
   * Response header saying why a request bypassed the cache or why its response was not stored
   * (`credentials`, `no-store`, `status`, …; README: "Why am I always getting MISS?"), or false for
   * none. For development: the reasons tell how the app is built. Default false.
   */
  reasonHeader?: string | false
  /**
   * Response header whose values (separated by commas or spaces) the handler sets to tag the entry,
   * besides the route's `tags` (`x-cache-tags: user:1, user:7`), or false for none. larder removes it
   * from every response before it is sent. At most 64 tags of at most 256 characters each; a
   * response with more is served but not stored, reported as a `TagLimitError`. Default false.
   */
  tagHeader?: string | false
  /**
   * After `failures` consecutive store failures, stop calling the store for `cooldown`, then probe it
   * with one call. false disables. Default { failures: 5, cooldown: '1s' }.
   */
  breaker?: { failures?: number; cooldown?: Duration } | false
  /** Called for every error larder reports, each a LarderError (the request itself is still served). */
  onError?: (error: LarderError, context: ErrorContext) => void
}

/** A route's options, validated and merged with the cache's defaults once, at setup. */
export interface ResolvedRoute<R = any> {
  readonly enabled: boolean
  readonly ttlMs: number
  readonly tags: TagSource<R>
  readonly invalidates: TagSource<R>
  readonly statuses: ReadonlySet<number>
  readonly maxBodyBytes: number
  readonly allowAuthorized: boolean
  readonly allowCookies: boolean
  readonly allowSetCookie: boolean
  readonly clientCacheControl: boolean
  readonly respectCacheControl: boolean
  readonly requireFreshness: boolean
  /** 0: stale entries are dropped. */
  readonly keepStaleMs: number
  readonly cdnCacheControl: boolean
  readonly invalidateParent: boolean
  readonly key: KeyFunction
  /** The key and paths of a request (the key remembered per URL where it allows). */
  readonly target: TargetFunction
  readonly keyedHeaders: ReadonlySet<string>
  readonly keyOptions: KeyOptions<R>
}

export interface ResolvedCacheConfig {
  readonly namespace: string
  readonly maxKeyLength: number
  readonly lockTimeoutMs: number
  readonly storeTimeoutMs: number
  readonly statusHeader: string | undefined
  readonly reasonHeader: string | undefined
  readonly tagHeader: string | undefined
  readonly onError: ((error: LarderError, context: ErrorContext) => void) | undefined
  readonly breaker: { readonly failures: number; readonly cooldownMs: number } | undefined
}

const ROUTE_KEYS = ['ttl', 'tags', 'invalidates', 'statuses', 'maxBodyBytes', 'allowAuthorized', 'allowCookies', 'allowSetCookie', 'clientCacheControl', 'respectCacheControl', 'requireFreshness', 'keepStale', 'cdnCacheControl', 'invalidateParent', 'key'] as const
const CACHE_KEYS = [...ROUTE_KEYS, 'store', 'namespace', 'maxKeyLength', 'lockTimeout', 'storeTimeout', 'statusHeader', 'reasonHeader', 'tagHeader', 'onError', 'breaker'] as const

export const DEFAULTS = {
  ttl: '5m',
  keepStale: '10m',
  statuses: [200],
  maxBodyBytes: 1024 * 1024,
  namespace: 'larder',
  maxKeyLength: 512,
  lockTimeout: '5s',
  storeTimeout: '100ms',
  statusHeader: 'x-cache',
} as const

const NO_TAGS: readonly string[] = Object.freeze([])

/** A header-name option: a token, or false for none. */
function headerName(value: unknown, option: string, fallback: string | undefined, example: string): string | undefined {
  if (value === false) return undefined
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value)) {
    throw new LarderOptionError(option, `option "${option}" must be a header name or false (for example ${option}: '${example}'); got ${show(value)}`)
  }
  return value.toLowerCase()
}

function checkKnown(options: object, valid: readonly string[], where: string): void {
  for (const k of Object.keys(options)) {
    if (!valid.includes(k)) {
      throw new LarderOptionError(`${where}${k}`, `unknown option "${where}${k}"; valid options are ${valid.join(', ')} (for example { ttl: '5m' })`)
    }
  }
}

function checkBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value
  throw new LarderOptionError(name, `option "${name}" must be true or false (for example ${name.split('.').pop()}: true); got ${show(value)}`)
}

function checkTags<R>(value: unknown, name: string): TagSource<R> | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'function') return value as (req: R) => readonly string[]
  if (Array.isArray(value) && value.every((t) => typeof t === 'string' && t !== '')) return Object.freeze([...value]) as readonly string[]
  throw new LarderOptionError(name, `option "${name}" must be an array of non-empty strings or a function of the request returning one (for example ${name.split('.').pop()}: (req) => [\`user:\${req.params.id}\`]); got ${show(value)}`)
}

function checkStatuses(value: unknown, name: string): ReadonlySet<number> | undefined {
  if (value === undefined) return undefined
  if (Array.isArray(value) && value.includes(206)) {
    throw new LarderOptionError(name, `option "${name}" must not include 206: a partial response cannot be replayed as the whole resource (for example statuses: [200, 404]); got ${show(value)}`)
  }
  if (Array.isArray(value) && value.every((s) => Number.isInteger(s) && s >= 100 && s <= 599)) return new Set(value as number[])
  throw new LarderOptionError(name, `option "${name}" must be an array of HTTP status codes (for example statuses: [200, 404]); got ${show(value)}`)
}

function checkBytes(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value
  throw new LarderOptionError(name, `option "${name}" must be a whole number of bytes (for example ${name.split('.').pop()}: 1048576); got ${show(value)}`)
}

function parseTtl(value: unknown): number {
  return parseLifetime(value, 'ttl', '1h')
}

function parseLifetime(value: unknown, name: string, example: string): number {
  const ms = parseDuration(value, name)
  if (ms > MAX_LIFETIME_SECONDS * 1000) {
    throw new LarderOptionError(name, `option "${name}" must be at most a year ('365d'), the longest larder keeps an entry (for example ${name}: '${example}'); got ${show(value)}`)
  }
  return ms
}

function parseKeepStale(value: unknown): number {
  if (value === false) return 0
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new LarderOptionError('keepStale', `option "keepStale" must be a duration such as '10m', or false to drop entries once stale (for example keepStale: '10m'); got ${show(value)}`)
  }
  return parseLifetime(value, 'keepStale', '10m')
}

/** Validates createCache's options once into the resolved config plus the default route. */
export function resolveCacheOptions(options: CacheOptions | undefined): { config: ResolvedCacheConfig; defaults: ResolvedRoute; store: Store | undefined } {
  const o = options ?? {}
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw new LarderOptionError('options', `createCache takes an options object such as { ttl: '5m' }; got ${show(o)}`)
  }
  checkKnown(o, CACHE_KEYS, '')
  const store = o.store
  if (store !== undefined) {
    const s = store as unknown as Record<string, unknown>
    const missing = ['get', 'mark', 'set', 'invalidate', 'clear', 'close'].filter((m) => typeof s?.[m] !== 'function')
    if (missing.length > 0) {
      throw new LarderOptionError('store', `option "store" must implement the Store interface (missing ${missing.join(', ')}); use memoryStore() or redisStore({ client })`)
    }
  }
  const namespace = o.namespace ?? DEFAULTS.namespace
  if (typeof namespace !== 'string' || !/^[\w.:-]{1,64}$/.test(namespace)) {
    throw new LarderOptionError('namespace', `option "namespace" must be 1-64 characters of letters, digits, '.', ':', '_' or '-' (for example namespace: 'api-v1'); got ${show(namespace)}`)
  }
  const maxKeyLength = o.maxKeyLength ?? DEFAULTS.maxKeyLength
  if (typeof maxKeyLength !== 'number' || !Number.isInteger(maxKeyLength) || maxKeyLength < 64) {
    throw new LarderOptionError('maxKeyLength', `option "maxKeyLength" must be a whole number of at least 64 (for example maxKeyLength: 512); got ${show(maxKeyLength)}`)
  }
  const statusHeader = headerName(o.statusHeader, 'statusHeader', DEFAULTS.statusHeader, 'x-cache')
  const reasonHeader = headerName(o.reasonHeader, 'reasonHeader', undefined, 'x-cache-reason')
  const tagHeader = headerName(o.tagHeader, 'tagHeader', undefined, 'x-cache-tags')
  if (o.onError !== undefined && typeof o.onError !== 'function') {
    throw new LarderOptionError('onError', `option "onError" must be a function such as (err, { op }) => log.warn(err); got ${show(o.onError)}`)
  }
  let breaker: ResolvedCacheConfig['breaker']
  if (o.breaker !== false) {
    const b = o.breaker ?? {}
    if (typeof b !== 'object' || b === null || Array.isArray(b)) {
      throw new LarderOptionError('breaker', `option "breaker" must be false or an object such as { failures: 5, cooldown: '1s' }; got ${show(b)}`)
    }
    checkKnown(b, ['failures', 'cooldown'], 'breaker.')
    const failures = b.failures ?? 5
    if (!Number.isInteger(failures) || failures < 1) {
      throw new LarderOptionError('breaker.failures', `option "breaker.failures" must be a whole number of at least 1 (for example breaker: { failures: 5 }); got ${show(failures)}`)
    }
    breaker = { failures, cooldownMs: parseDuration(b.cooldown ?? '1s', 'breaker.cooldown') }
  }
  const config: ResolvedCacheConfig = {
    breaker,
    namespace,
    maxKeyLength,
    lockTimeoutMs: parseDuration(o.lockTimeout ?? DEFAULTS.lockTimeout, 'lockTimeout'),
    storeTimeoutMs: parseDuration(o.storeTimeout ?? DEFAULTS.storeTimeout, 'storeTimeout'),
    statusHeader,
    reasonHeader,
    tagHeader,
    onError: o.onError,
  }
  const defaultKey = keyFunction(undefined, config)
  const base: ResolvedRoute = {
    enabled: true,
    ttlMs: parseDuration(DEFAULTS.ttl, 'ttl'),
    tags: NO_TAGS,
    invalidates: NO_TAGS,
    statuses: new Set(DEFAULTS.statuses),
    maxBodyBytes: DEFAULTS.maxBodyBytes,
    allowAuthorized: false,
    allowCookies: false,
    allowSetCookie: false,
    clientCacheControl: false,
    respectCacheControl: true,
    requireFreshness: false,
    keepStaleMs: parseKeepStale(DEFAULTS.keepStale),
    cdnCacheControl: false,
    invalidateParent: true,
    key: defaultKey,
    target: targetFunction(defaultKey, keyInputs(undefined)),
    keyedHeaders: new Set(),
    keyOptions: {},
  }
  const routeOptions: RouteOptions = {}
  for (const k of ROUTE_KEYS) if (o[k] !== undefined) (routeOptions as Record<string, unknown>)[k] = o[k]
  return { config, defaults: resolveRoute(routeOptions, base, config, ''), store }
}

/**
 * Merges a route's options over the defaults. `where` prefixes option names in errors, so a bad
 * route option reads e.g. `route GET /users/:id: option "ttl" …`.
 */
export function resolveRoute<R>(options: RouteOptions<R> | boolean | undefined, base: ResolvedRoute<R>, config: ResolvedCacheConfig, where: string): ResolvedRoute<R> {
  if (options === undefined || options === true) return base
  if (options === false) return { ...base, enabled: false }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new LarderOptionError('options', `${where === '' ? '' : `${where}: `}route options must be an object such as { ttl: '1h' }, true or false; got ${show(options)}`)
  }
  const w = where === '' ? '' : `${where}: `
  const err = (e: unknown): never => {
    if (e instanceof LarderOptionError && w !== '') throw new LarderOptionError(e.option, `${w}${e.message.replace(/^larder: /, '')}`)
    throw e
  }
  try {
    checkKnown(options, ROUTE_KEYS, '')
    const keyOptions = options.key === undefined ? base.keyOptions : { ...base.keyOptions, ...options.key }
    const keyChanged = options.key !== undefined
    if (keyChanged && (typeof options.key !== 'object' || options.key === null)) {
      throw new LarderOptionError('key', `option "key" must be an object such as { query: 'all', headers: ['accept-language'] }; got ${show(options.key)}`)
    }
    const allowAuthorized = checkBoolean(options.allowAuthorized, 'allowAuthorized') ?? base.allowAuthorized
    const key = keyChanged ? keyFunction(keyOptions, config) : base.key
    if (allowAuthorized && keyOptions.custom === undefined && !(keyOptions.headers ?? []).some((h) => h.toLowerCase() === 'authorization')) {
      throw new LarderOptionError(
        'allowAuthorized',
        `option "allowAuthorized" would share one caller's response with every caller: add a key that includes the caller, for example { allowAuthorized: true, key: { custom: (req) => req.user.id } } or key: { headers: ['authorization'] }`,
      )
    }
    return {
      enabled: true,
      ttlMs: options.ttl === undefined ? base.ttlMs : parseTtl(options.ttl),
      tags: checkTags<R>(options.tags, 'tags') ?? base.tags,
      invalidates: checkTags<R>(options.invalidates, 'invalidates') ?? base.invalidates,
      statuses: checkStatuses(options.statuses, 'statuses') ?? base.statuses,
      maxBodyBytes: checkBytes(options.maxBodyBytes, 'maxBodyBytes') ?? base.maxBodyBytes,
      allowAuthorized,
      allowCookies: checkBoolean(options.allowCookies, 'allowCookies') ?? base.allowCookies,
      allowSetCookie: checkBoolean(options.allowSetCookie, 'allowSetCookie') ?? base.allowSetCookie,
      clientCacheControl: checkBoolean(options.clientCacheControl, 'clientCacheControl') ?? base.clientCacheControl,
      respectCacheControl: checkBoolean(options.respectCacheControl, 'respectCacheControl') ?? base.respectCacheControl,
      requireFreshness: checkBoolean(options.requireFreshness, 'requireFreshness') ?? base.requireFreshness,
      keepStaleMs: options.keepStale === undefined ? base.keepStaleMs : parseKeepStale(options.keepStale),
      cdnCacheControl: checkBoolean(options.cdnCacheControl, 'cdnCacheControl') ?? base.cdnCacheControl,
      invalidateParent: checkBoolean(options.invalidateParent, 'invalidateParent') ?? base.invalidateParent,
      key,
      target: keyChanged ? targetFunction(key, keyInputs(keyOptions)) : base.target,
      keyedHeaders: keyChanged ? keyedHeaders(keyOptions) : base.keyedHeaders,
      keyOptions,
    }
  } catch (e) {
    return err(e)
  }
}

/** Evaluates a tag source for one request, checking what a user function returned. */
export function tagsFor<R>(source: TagSource<R>, req: R, name: string): readonly string[] {
  if (typeof source !== 'function') return source
  let tags: readonly string[]
  try {
    tags = source(req)
  } catch (e) {
    throw CallbackError.threw(name, e)
  }
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) {
    throw new CallbackError(name, `must return an array of strings; it returned ${show(tags)}`)
  }
  return tags
}
