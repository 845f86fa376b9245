import { describe, expect, it } from 'vitest'
import { createCache, type RequestInfo } from '@larder/core'
import { type HeaderSource, type Outcome, type ResponseHeaders } from '@larder/core/adapter'

const get = (url: string): RequestInfo => ({ method: 'GET', url, headers: {}, host: 'example.test', raw: {} })

/** Headers kept in a Map, as a framework might keep them, with a record of what was read. */
class Recorded {
  readonly reads: string[] = []
  copies = 0
  constructor(readonly headers: Map<string, string>) {}
}

const SOURCE: HeaderSource<Recorded> = {
  get(r, name) {
    r.reads.push(name)
    return r.headers.get(name)
  },
  all(r) {
    r.copies++
    return Object.fromEntries(r.headers) as ResponseHeaders
  },
}

async function fillFor(url: string) {
  const cache = createCache()
  const outcome = (await cache.handle(get(url), cache.route())) as Extract<Outcome, { kind: 'miss' }>
  return { cache, fill: outcome.fill! }
}

describe('a fill reading headers through a HeaderSource', () => {
  it('refuses a response its directives rule out after reading them alone (larder\'s own field, then Cache-Control), copying none', async () => {
    for (const cc of ['no-store', 'private']) {
      const { fill } = await fillFor('/no-store')
      const response = new Recorded(new Map([['cache-control', cc], ['content-type', 'text/plain'], ['x-a', '1'], ['x-b', '2']]))
      expect(fill.startFrom(200, SOURCE, response)).toBe(false)
      expect(response.copies).toBe(0)
      // Set-Cookie is absent from most responses, and an absent header is the dearest to read.
      expect(response.reads).toEqual(['larder-cache-control', 'cache-control'])
    }
  })

  it('refuses a response that sets a cookie', async () => {
    const { fill } = await fillFor('/cookie')
    const response = new Recorded(new Map([['cache-control', 'max-age=60'], ['set-cookie', 'a=1']]))
    expect(fill.startFrom(200, SOURCE, response)).toBe(false)
    expect(response.copies).toBe(0)
  })

  it('refuses on the status without reading any header', async () => {
    const { fill } = await fillFor('/missing')
    const response = new Recorded(new Map([['content-type', 'text/plain']]))
    expect(fill.startFrom(404, SOURCE, response)).toBe(false)
    expect(response.reads).toEqual([])
  })

  it('copies the headers once for a response it stores, and replays them', async () => {
    const { cache, fill } = await fillFor('/doc')
    const response = new Recorded(new Map([['content-type', 'text/plain'], ['cache-control', 'max-age=60'], ['x-a', '1']]))
    expect(fill.startFrom(200, SOURCE, response)).toBe(true)
    expect(response.copies).toBe(1)
    fill.push('hello')
    expect(await fill.finish()).toBe(true)
    const hit = await cache.handle(get('/doc'), cache.route())
    expect(hit.kind).toBe('hit')
    if (hit.kind !== 'hit') return
    expect(hit.entry.headers).toMatchObject({ 'content-type': 'text/plain', 'x-a': '1' })
    expect(hit.entry.expiresAt - Date.now()).toBeGreaterThan(55_000)
  })

  it('reaches the same decisions as from a plain object', async () => {
    const cases: Array<[number, Record<string, string>]> = [
      [200, {}],
      [200, { 'set-cookie': 'a=1' }],
      [200, { 'cache-control': 'private' }],
      [200, { 'cache-control': 'no-cache' }],
      [200, { 'cache-control': 'max-age=0' }],
      [200, { vary: '*' }],
      [200, { 'content-length': String(100 * 1024 * 1024) }],
      [500, {}],
    ]
    for (const [status, headers] of cases) {
      const a = (await fillFor('/x')).fill
      const b = (await fillFor('/x')).fill
      expect([status, headers, b.startFrom(status, SOURCE, new Recorded(new Map(Object.entries(headers))))]).toEqual([status, headers, a.start(status, headers)])
    }
  })
})
