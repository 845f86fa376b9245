import http from 'node:http'
import { describe, expect, it } from 'vitest'
import type { AppFactory, RouteSpec, StartOptions } from './apps.js'
import { useHarness, type Harness } from './harness.js'
import { handlerView } from './query-parsers.js'
import type { StoreFactory } from './store-wrappers.js'

// undici drops a URL's fragment before sending; node:http sends the request target as given.
function getVerbatim(base: string, target: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base)
    http
      .get({ hostname, port, path: target }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve(JSON.parse(body)))
      })
      .on('error', reject)
  })
}

/** The query the handler answered with, as far as a handler can tell queries apart. */
async function queryOf(h: Harness, target: string): Promise<string> {
  const body = (target.includes('#') ? await getVerbatim(h.url, target) : (await h.get(target)).json()) as { query: unknown }
  return handlerView(body.query)
}

// Pairs of URLs that some supported parser reads apart, each pair sent one after the other.
const PAIRS = [
  ['/search?city=M%FEnchen', '/search?city=M%FCnchen'], // invalid UTF-8: kept as sent by Fastify and qs
  ['/search?a=%FE', '/search?a=%25FE'], // U+FFFD for node:querystring, '%FE' for the second
  ['/search?ids=1&ids[]=2', '/search?ids[]=2&ids=1'], // qs: ['1', '2'] and ['2', '1']
  ['/search?[a]=1&a=2', '/search?a=2&[a]=1'], // qs files [a] under a
  ['/search?a=b%5D=c', '/search?a=b]%3Dc'], // qs splits the first at ']='
  ['/search??a=1', '/search?a=1'], // a name '?a'
  ['/search?x=1#y', '/search?x=1%23y'], // Express drops the fragment, Fastify reads it
].flat()

/**
 * Requests that must never share a key, because the handler can tell them apart: query spellings
 * that some framework's parser reads differently, and a header sent empty or not at all.
 * `queryParsers`: Express's 'query parser' settings to run the query tests under.
 */
export function keyCollisionSuite(apps: AppFactory, stores: StoreFactory, queryParsers: Array<StartOptions['queryParser']> = [undefined]): void {
  describe(`key collisions: ${apps.name} + ${stores.name} store`, () => {
    const start = useHarness(apps, stores)

    for (const queryParser of queryParsers) {
      it(`query spellings${queryParser ? ` ('${queryParser}' query parser)` : ''}: each URL gets the response its own query deserves`, async () => {
        const echo: RouteSpec = { method: 'GET', path: '/search', handler: (req) => ({ body: { json: { query: req.query } } }) }
        const cached = await start([echo], {}, { queryParser })
        const reference = await start([{ ...echo, options: false }], {}, { queryParser })
        for (const url of PAIRS) await queryOf(cached, url)
        const wrong: Array<{ url: string; got: string; deserved: string }> = []
        for (const url of PAIRS) {
          const [got, deserved] = [await queryOf(cached, url), await queryOf(reference, url)]
          if (got !== deserved) wrong.push({ url, got, deserved })
        }
        expect(wrong).toEqual([])
      })
    }

    const foo = (req: { headers: Record<string, string | string[] | undefined> }) => {
      const v = req.headers['x-foo']
      return v === undefined ? 'absent' : `present: "${String(v)}"`
    }

    it('Vary: an empty header and an absent one are different variants (RFC 9111 §4.1)', async () => {
      const h = await start([{ method: 'GET', path: '/vary', handler: (req) => ({ headers: { vary: 'X-Foo' }, body: { json: { foo: foo(req) } } }) }])
      for (const round of [1, 2]) {
        const absent = await h.get('/vary')
        const empty = await h.get('/vary', { headers: { 'x-foo': '' } })
        expect([absent.json().foo, empty.json().foo], `round ${round}`).toEqual(['absent', 'present: ""'])
      }
      expect((await h.get('/vary', { headers: { 'x-foo': '' } })).cache).toBe('HIT')
    })

    it('key.headers: an empty header and an absent one have different keys', async () => {
      const h = await start([{ method: 'GET', path: '/keyed', options: { key: { headers: ['x-foo'] } }, handler: (req) => ({ body: { json: { foo: foo(req) } } }) }])
      for (const round of [1, 2]) {
        const absent = await h.get('/keyed')
        const empty = await h.get('/keyed', { headers: { 'x-foo': '' } })
        expect([absent.json().foo, empty.json().foo], `round ${round}`).toEqual(['absent', 'present: ""'])
      }
      expect((await h.get('/keyed', { headers: { 'x-foo': '' } })).cache).toBe('HIT')
    })
  })
}
