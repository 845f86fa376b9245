import { createCache, type RequestInfo } from '@larder/core'
import type { Outcome } from '@larder/core/adapter'
import { describe, expect, it } from 'vitest'
import { initialAgeMs } from '../src/freshness.js'
import { PLAIN_HEADERS, requestDirectives, responseDecision, type StoreAllowed } from '../src/policy.js'

const get = (url: string, headers: Record<string, string> = {}): RequestInfo => ({ method: 'GET', url, headers, host: 'example.test', raw: {} })
const httpDate = (ms: number): string => new Date(ms).toUTCString()

function decide(headers: Record<string, string>, options: Parameters<ReturnType<typeof createCache>['route']>[0] = {}, now = Date.now()) {
  const route = createCache().route(options)
  return responseDecision(200, PLAIN_HEADERS, headers, route, undefined, now, now)
}

function allowed(headers: Record<string, string>, options?: Parameters<typeof decide>[1]): StoreAllowed {
  const d = decide(headers, options)
  if (!d.store) throw new Error(`refused: ${d.reason}`)
  return d
}

describe('freshness lifetime (RFC 9111 §4.2.1)', () => {
  it('s-maxage, else max-age, else Expires − Date, else ttl', () => {
    const now = Date.now()
    expect(allowed({ 'cache-control': 's-maxage=30, max-age=10' }).lifetimeMs).toBe(30_000)
    expect(allowed({ 'cache-control': 'max-age=10', expires: httpDate(now + 3_600_000) }).lifetimeMs).toBe(10_000)
    const date = Math.floor(now / 1000) * 1000
    expect(allowed({ date: httpDate(date), expires: httpDate(date + 120_000) }).lifetimeMs).toBe(120_000)
    expect(allowed({}, { ttl: '42s' }).lifetimeMs).toBe(42_000)
  })

  it.each([['max-age=-1'], ['max-age=abc'], ['max-age'], ['s-maxage=-5, max-age=60'], ['max-age=0']])('a malformed or zero lifetime (%s) is stale on arrival', (cc) => {
    const d = allowed({ 'cache-control': cc })
    expect(d.lifetimeMs).toBe(0)
    expect(d.staleReason).toBe('max-age=0')
  })

  it('accepts the quoted form of an argument (RFC 9111 §5.2)', () => {
    expect(allowed({ 'cache-control': 'max-age="60"' }).lifetimeMs).toBe(60_000)
  })

  it.each([['0'], ['garbage'], [httpDate(Date.now() - 60_000)]])('an Expires of %s is stale on arrival', (expires) => {
    const d = allowed({ expires })
    expect(d.staleReason).toBe('expired')
  })

  it('an Age at or past the lifetime is stale on arrival', () => {
    expect(allowed({ 'cache-control': 'max-age=60', age: '60' }).staleReason).toBe('stale')
    expect(allowed({ 'cache-control': 'max-age=60', age: '30' }).staleReason).toBeUndefined()
  })

  it('no-cache is stored stale, to be revalidated before every use', () => {
    expect(allowed({ 'cache-control': 'no-cache, max-age=600' }).staleReason).toBe('no-cache')
  })

  it('without keepStale, a response stale on arrival is not stored', () => {
    for (const cc of ['no-cache', 'max-age=0']) {
      const d = decide({ 'cache-control': cc }, { keepStale: false })
      expect(d.store).toBe(false)
    }
  })

  it('requireFreshness refuses a response that states no freshness, and stores one that does', () => {
    expect(decide({ etag: '"a"' }, { requireFreshness: true })).toEqual({ store: false, reason: 'no-freshness' })
    expect(decide({ 'cache-control': 'max-age=5' }, { requireFreshness: true }).store).toBe(true)
    expect(decide({ expires: httpDate(Date.now() + 60_000) }, { requireFreshness: true }).store).toBe(true)
    expect(decide({ 'larder-cache-control': 'max-age=5' }, { requireFreshness: true }).store).toBe(true)
  })

  it('respectCacheControl: false gives every response the ttl', () => {
    expect(allowed({ 'cache-control': 'max-age=0', expires: '0' }, { respectCacheControl: false, ttl: '1m' })).toMatchObject({ lifetimeMs: 60_000, staleReason: undefined })
  })
})

describe('targeted fields (RFC 9213)', () => {
  it("larder's own field overrides Cache-Control and Expires", () => {
    expect(allowed({ 'larder-cache-control': 'max-age=3600', 'cache-control': 'no-cache', expires: '0' })).toMatchObject({ lifetimeMs: 3_600_000, staleReason: undefined })
    expect(decide({ 'larder-cache-control': 'no-store', 'cache-control': 'max-age=60' })).toEqual({ store: false, reason: 'no-store' })
  })

  it('CDN-Cache-Control counts only where the route opts in, and yields to larder\'s own field', () => {
    const headers = { 'cdn-cache-control': 'max-age=600', 'cache-control': 'no-store' }
    expect(decide(headers).store).toBe(false)
    expect(allowed(headers, { cdnCacheControl: true }).lifetimeMs).toBe(600_000)
    expect(allowed({ ...headers, 'larder-cache-control': 'max-age=5' }, { cdnCacheControl: true }).lifetimeMs).toBe(5_000)
  })

  it('an empty targeted field is ignored (RFC 9213 §2.1: invalid)', () => {
    expect(allowed({ 'larder-cache-control': '', 'cache-control': 'max-age=7' }).lifetimeMs).toBe(7_000)
  })
})

describe('initial age (RFC 9111 §4.2.3)', () => {
  it('is the larger of Date\'s apparent age and Age plus the response delay', () => {
    const now = 1_700_000_000_000
    expect(initialAgeMs('10', undefined, now - 500, now)).toBe(10_500)
    expect(initialAgeMs(undefined, httpDate(now - 30_000), now, now)).toBe(30_000)
    expect(initialAgeMs('5', httpDate(now - 30_000), now, now)).toBe(30_000)
  })

  it('reads a list by its first member and ignores an invalid Age (RFC 9111 §5.1)', () => {
    const now = 1_700_000_000_000
    expect(initialAgeMs('20, 40', undefined, now, now)).toBe(20_000)
    expect(initialAgeMs('-3', undefined, now, now)).toBe(0)
    expect(initialAgeMs('soon', undefined, now, now)).toBe(0)
  })
})

describe('request directives (RFC 9111 §5.2.1)', () => {
  it('reads max-age, min-fresh, max-stale (bare: any staleness) and only-if-cached, in ms', () => {
    expect(requestDirectives({ 'cache-control': 'max-age=5, min-fresh=2, max-stale=3, only-if-cached' })).toEqual({ bypass: false, refresh: false, maxAge: 5_000, minFresh: 2_000, maxStale: 3_000, onlyIfCached: true })
    expect(requestDirectives({ 'cache-control': 'max-stale' })?.maxStale).toBe(Infinity)
    expect(requestDirectives({ 'cache-control': 'max-age=0' })?.refresh).toBe(true)
    expect(requestDirectives({ pragma: 'no-cache' })?.refresh).toBe(true)
    expect(requestDirectives({ 'cache-control': 'foo' })).toBeUndefined()
  })
})

describe('revalidation, through the engine', () => {
  type Miss = Extract<Outcome, { kind: 'miss' }>

  async function store(cache: ReturnType<typeof createCache>, headers: Record<string, string>, body = 'v1'): Promise<void> {
    const miss = (await cache.handle(get('/r'), cache.route())) as Miss
    const fill = miss.fill!
    expect(fill.start(200, headers)).toBe(true)
    fill.push(body)
    await fill.finish()
  }

  it('a stale entry is kept, and its miss asks the handler with its validators', async () => {
    const cache = createCache()
    await store(cache, { 'cache-control': 'max-age=0', etag: '"v1"', 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT' })
    const miss = (await cache.handle(get('/r', { 'if-none-match': '"client"' }), cache.route())) as Miss
    expect(miss.kind).toBe('miss')
    expect(miss.wholeResponse).toBe(true)
    expect(miss.fill!.validators).toEqual({ 'if-none-match': '"v1"', 'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' })
  })

  it('a 304 updates the stored headers and lifetime, and the stored response is what the client gets', async () => {
    const cache = createCache()
    await store(cache, { 'cache-control': 'max-age=0', etag: '"v1"', 'x-version': '1' })
    const miss = (await cache.handle(get('/r'), cache.route())) as Miss
    const fill = miss.fill!
    expect(fill.start(304, { 'cache-control': 'max-age=600', etag: '"v1"', 'x-version': '2' })).toBe(false)
    const replacement = fill.replacement!
    expect(replacement.notModified).toBe(false)
    expect(Buffer.from(replacement.entry.body).toString()).toBe('v1')
    expect(replacement.entry.headers['x-version']).toBe('2')
    await new Promise((r) => setTimeout(r, 10))
    const hit = await cache.handle(get('/r'), cache.route())
    expect(hit.kind).toBe('hit')
    expect((hit as Extract<Outcome, { kind: 'hit' }>).entry.headers['x-version']).toBe('2')
    expect(cache.stats()).toMatchObject({ revalidations: 1, revalidated: 1 })
  })

  it('a 304 with another strong ETag does not update the entry', async () => {
    const cache = createCache()
    await store(cache, { 'cache-control': 'max-age=0', etag: '"v1"' })
    const fill = ((await cache.handle(get('/r'), cache.route())) as Miss).fill!
    fill.start(304, { 'cache-control': 'max-age=600', etag: '"v2"' })
    expect(fill.replacement!.entry.headers['etag']).toBe('"v1"')
    expect(fill.refusal).toBe('validator-mismatch')
    expect((await cache.handle(get('/r'), cache.route())).kind).toBe('miss')
  })

  it('keepStale: false drops the stale entry: its miss asks without validators', async () => {
    const cache = createCache({ keepStale: false, ttl: '1s' })
    await store(cache, { etag: '"v1"' })
    await new Promise((r) => setTimeout(r, 1_050))
    const miss = (await cache.handle(get('/r'), cache.route())) as Miss
    expect(miss.fill!.validators).toBeUndefined()
  })
})

describe('must-understand (RFC 9111 §5.2.2.3)', () => {
  it('lets a response with a status whose rules larder knows be stored despite no-store', () => {
    expect(allowed({ 'cache-control': 'no-store, must-understand, max-age=60' }).lifetimeMs).toBe(60_000)
    const route = createCache().route({ statuses: [200, 599] })
    const now = Date.now()
    expect(responseDecision(599, PLAIN_HEADERS, { 'cache-control': 'no-store, must-understand, max-age=60' }, route, undefined, now, now)).toEqual({ store: false, reason: 'no-store' })
  })
})
