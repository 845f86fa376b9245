import { brotliDecompressSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib'
import { createCache, type RequestInfo } from '@larder/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { acceptEncodingPairs } from './accept-encodings.js'
import type { AppFactory, RouteSpec } from './apps.js'
import { counter, useHarness, type Harness } from './harness.js'
import { sleep, type Response } from './http.js'
import type { StoreFactory } from './store-wrappers.js'

export { acceptEncodingPairs } from './accept-encodings.js'

const TEXT = 'compress me '.repeat(200)

interface Client {
  /** The Accept-Encoding header; undefined: none. */
  header: string | undefined
  /** The content codings it can decode by RFC 9110 (identity always). */
  takes: readonly string[]
}

const CLIENTS: readonly Client[] = [
  { header: 'gzip', takes: ['gzip'] },
  { header: 'gzip ;q=1', takes: ['gzip'] },
  { header: 'x-gzip', takes: ['gzip'] },
  { header: 'gzip, deflate, br', takes: ['gzip', 'deflate', 'br'] },
  { header: '*', takes: ['gzip', 'deflate', 'br'] },
  // negotiator (Express's compression) takes Q=0 for an unknown parameter, and codes gzip.
  { header: 'gzip;Q=0', takes: [] },
  // @fastify/compress reads * as gzip, whatever the explicit gzip;q=0 says.
  { header: 'gzip;q=0, *', takes: ['deflate', 'br'] },
  { header: 'identity', takes: [] },
  { header: '', takes: [] },
  { header: undefined, takes: [] },
]

function headersOf(client: Client): Record<string, string> | undefined {
  return client.header === undefined ? undefined : { 'accept-encoding': client.header }
}

function codingOf(res: Response): string {
  const coding = res.headers['content-encoding']
  return coding === undefined ? 'identity' : String(coding)
}

function decoded(res: Response): string {
  const coding = codingOf(res)
  if (coding === 'identity') return res.text
  if (coding === 'gzip') return gunzipSync(res.body).toString()
  if (coding === 'br') return brotliDecompressSync(res.body).toString()
  if (coding === 'deflate') return inflateSync(res.body).toString()
  throw new Error(`unexpected content coding ${coding}`)
}

/**
 * What every response to `client` must be: decodable, and coded only as the client takes or as
 * the compressor codes for it without a cache (a compressor that misreads the header codes the
 * same on a hit it compresses itself); a coded one says it varies.
 */
function expectFor(client: Client, res: Response, uncached: string): void {
  const coding = codingOf(res)
  const what = `${JSON.stringify(client.header)} answered ${coding} (${String(res.cache)}; ${uncached} without a cache)`
  expect(decoded(res), what).toBe(TEXT)
  expect(['identity', uncached, ...client.takes], what).toContain(coding)
  if (coding !== 'identity') expect(String(res.headers['vary']).toLowerCase(), what).toContain('accept-encoding')
}

/** The route larder serves, and the same content with larder opted out: what the compressor alone sends. */
const textRoutes = (calls = counter()): RouteSpec[] => [
  { method: 'GET', path: '/text/:n', handler: () => (calls.next(), { body: { text: TEXT } }) },
  { method: 'GET', path: '/uncached', options: false, handler: () => ({ body: { text: TEXT } }) },
]

/** Checks each client's response to `path` against what the compressor alone sends it. */
async function expectServed(h: Harness, path: string, clients: readonly Client[]): Promise<void> {
  for (const client of clients) {
    const uncached = codingOf(await h.get('/uncached', { headers: headersOf(client) }))
    expectFor(client, await h.get(path, { headers: headersOf(client) }), uncached)
  }
}

/**
 * Content codings: larder between clients and a real compressor (Express's compression,
 * @fastify/compress) never serves a client a coding it cannot decode. `plainOrder`: where the
 * compressor must be registered for larder to see (and store) the uncompressed response.
 */
export function encodingSuite(apps: AppFactory, stores: StoreFactory, plainOrder: 'before' | 'after'): void {
  describe(`content codings: ${apps.name} + ${stores.name} store`, () => {
    const start = useHarness(apps, stores)

    describe.each(['before', 'after'] as const)('compressor registered %s larder', (order) => {
      it('a client is served only codings it takes, whichever client filled the entry', async () => {
        const h = await start(textRoutes(), {}, { compressor: order })
        for (const [n, filler] of CLIENTS.entries()) await expectServed(h, `/text/${n}`, [filler, filler, ...CLIENTS.flatMap((c) => [c, c]), filler])
      })
    })

    it('variant keys tell apart any two Accept-Encoding values the compressor answers differently (fuzzed)', async () => {
      // larder stays out of these requests: they show what the compressor alone chooses.
      const h = await start(textRoutes(), {}, { compressor: 'before', global: false })
      const keys = createCache({ key: { headers: ['accept-encoding'] } })
      const route = keys.route()
      const keyOf = (value: string | undefined): string => {
        const info: RequestInfo = { method: 'GET', url: '/text/1', headers: { 'accept-encoding': value }, host: 'h', raw: {} }
        return route.key(info, '/text/1', '')
      }
      // The server sees a value without surrounding whitespace.
      const sent = (value: string | undefined): string | undefined => value?.replace(/^[ \t]+|[ \t]+$/g, '')
      const chosen = async (value: string | undefined): Promise<string> => codingOf(await h.get('/text/1', { headers: value === undefined ? undefined : { 'accept-encoding': value } }))
      let compared = 0
      try {
        await fc.assert(
          fc.asyncProperty(acceptEncodingPairs, async ([a, b]) => {
            const [x, y] = [sent(a), sent(b)]
            if (keyOf(x) !== keyOf(y)) return
            compared++
            expect([x, y, await chosen(x)]).toEqual([x, y, await chosen(y)])
          }),
          { numRuns: 600 },
        )
      } finally {
        await keys.close()
      }
      expect(compared).toBeGreaterThan(50)
    })

    it(`with the compressor registered ${plainOrder} larder, one stored response serves every client its own coding`, async () => {
      const calls = counter()
      const h = await start(textRoutes(calls), {}, { compressor: plainOrder })
      await expectServed(h, '/text/1', [...CLIENTS, ...CLIENTS])
      expect(calls.n).toBe(1)
    })

    describe('a handler that codes its own responses', () => {
      // Gzip for a client that names it, even with q=0 (a sloppy reading), with or without saying Vary.
      const selfCoding = (vary: boolean, gate?: Promise<void>): RouteSpec => ({
        method: 'GET',
        path: '/coded',
        handler: async (req) => {
          const accepts = String(req.headers['accept-encoding'] ?? '')
          const headers: Record<string, string> = vary ? { vary: 'accept-encoding' } : {}
          if (!accepts.includes('gzip')) return { headers, body: { text: TEXT } }
          await gate
          return { headers: { ...headers, 'content-encoding': 'gzip', 'content-type': 'text/plain' }, body: { bytes: gzipSync(TEXT) } }
        },
      })

      it('without Vary: its gzip entry is served only to clients that take gzip', async () => {
        const h = await start([selfCoding(false)])
        expect(codingOf(await h.get('/coded', { headers: { 'accept-encoding': 'gzip' } }))).toBe('gzip')
        expect((await h.get('/coded', { headers: { 'accept-encoding': 'gzip' } })).cache).toBe('HIT')
        for (const header of [undefined, '', 'identity', 'br']) {
          const res = await h.get('/coded', { headers: header === undefined ? undefined : { 'accept-encoding': header } })
          expect([header, codingOf(res), res.text]).toEqual([header, 'identity', TEXT])
        }
        const again = await h.get('/coded', { headers: { 'accept-encoding': 'x-gzip' } })
        expect([again.cache, decoded(again)]).toEqual(['HIT', TEXT])
      })

      it('without Vary: a client waiting on a gzip miss it cannot take gets its own response', async () => {
        let open!: () => void
        const gate = new Promise<void>((r) => (open = r))
        const h = await start([selfCoding(false, gate)])
        const leader = h.get('/coded', { headers: { 'accept-encoding': 'gzip' } })
        const waiter = waitingOn(h, () => h.get('/coded', { headers: { 'accept-encoding': 'identity' } }))
        await waiter.joined
        open()
        expect(codingOf(await leader)).toBe('gzip')
        const res = await waiter.response
        expect([codingOf(res), res.text]).toEqual(['identity', TEXT])
      })

      it('a gzip response to a client that refused gzip is not stored', async () => {
        const h = await start([selfCoding(true)])
        const first = await h.get('/coded', { headers: { 'accept-encoding': 'gzip;q=0' } })
        expect(codingOf(first)).toBe('gzip')
        await sleep(20)
        expect(h.cache.stats().stores).toBe(0)
        expect((await h.get('/coded', { headers: { 'accept-encoding': 'gzip;q=0' } })).cache).toBe('MISS')
        const plain = await h.get('/coded', { headers: { 'accept-encoding': 'identity' } })
        expect([codingOf(plain), plain.text]).toEqual(['identity', TEXT])
      })
    })
  })
}

/** Sends a request once the leader's miss is in flight, and tells when it has joined it. */
function waitingOn(h: Harness, send: () => Promise<Response>): { joined: Promise<void>; response: Promise<Response> } {
  const before = h.cache.stats().coalesced
  const response = (async () => {
    while (h.cache.stats().inFlight === 0) await sleep(2)
    return send()
  })()
  const joined = (async () => {
    while (h.cache.stats().coalesced === before) await sleep(2)
  })()
  return { joined, response }
}
