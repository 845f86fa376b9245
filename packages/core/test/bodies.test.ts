import { afterEach, describe, expect, it } from 'vitest'
import { createCache, type Cache, type RequestInfo } from '@larder/core'
import { connectionClosed, type Fill, type Outcome, type ResponseHeaders } from '@larder/core/adapter'

const get = (): RequestInfo => ({ method: 'GET', url: '/export', headers: {}, host: 'example.test', raw: {} })
const fillOf = (o: Outcome): Fill | undefined => (o.kind === 'miss' ? o.fill : undefined)

const caches: Cache[] = []
afterEach(async () => {
  for (const c of caches.splice(0)) await c.close()
})

function cache(statuses?: number[]): Cache {
  const c = createCache(statuses === undefined ? {} : { statuses })
  caches.push(c)
  return c
}

/** Runs one miss through a fill the way an adapter does; resolves to whether it was stored. */
async function respond(c: Cache, status: number, headers: ResponseHeaders, chunks: string[]): Promise<boolean> {
  const fill = fillOf(await c.handle(get(), c.route()))!
  fill.start(status, headers)
  for (const chunk of chunks) fill.push(chunk)
  return fill.finish(headers)
}

describe('a body is stored only if it is as long as its Content-Length says', () => {
  const text = { 'content-type': 'text/plain' }

  it('shorter: not stored, and the next request misses', async () => {
    const c = cache()
    expect(await respond(c, 200, { ...text, 'content-length': '2000' }, ['x'.repeat(1000)])).toBe(false)
    expect((await c.handle(get(), c.route())).kind).toBe('miss')
    expect(c.stats().stores).toBe(0)
  })

  it('longer: not stored (clients read only the declared bytes)', async () => {
    const c = cache()
    expect(await respond(c, 200, { ...text, 'content-length': 5 }, ['0123456789'])).toBe(false)
  })

  it('several or oddly spelt lengths match nothing', async () => {
    for (const declared of [['10', '10'], '010', '0xa', '']) {
      expect(await respond(cache(), 200, { ...text, 'content-length': declared }, ['0123456789']), String(declared)).toBe(false)
    }
  })

  it('exactly as declared, as a string or a number, or with no length declared (chunked): stored', async () => {
    for (const declared of ['10', ' 10 ', 10, undefined]) {
      const c = cache()
      expect(await respond(c, 200, { ...text, 'content-length': declared }, ['01234', '56789']), String(declared)).toBe(true)
      expect((await c.handle(get(), c.route())).kind).toBe('hit')
    }
  })

  it('a 204 declares no body of its own', async () => {
    expect(await respond(cache([204]), 204, { 'content-length': '10' }, [])).toBe(true)
  })

  it('releases a request waiting on the cut-short miss to look again and lead, rather than wait for lockTimeout', async () => {
    const c = cache()
    const leader = fillOf(await c.handle(get(), c.route()))!
    const waiter = Promise.resolve(c.handle(get(), c.route()))
    leader.start(200, { 'content-length': '4' })
    leader.push('ab')
    expect(await leader.finish({ 'content-length': '4' })).toBe(false)
    expect(fillOf(await waiter)).toBeDefined()
  })
})

describe('a body the adapter cannot copy (Fill.decline)', () => {
  it('is not stored, and the key stops making requests wait on each other', async () => {
    const c = cache()
    const first = fillOf(await c.handle(get(), c.route()))!
    first.start(200, {})
    first.decline()
    const a = fillOf(await c.handle(get(), c.route()))
    const b = fillOf(await c.handle(get(), c.route()))
    expect([a, b].every((f) => f !== undefined)).toBe(true)
    expect(c.stats()).toMatchObject({ stores: 0, coalesced: 0, inFlight: 0 })
  })
})

describe('connectionClosed', () => {
  it('reads a destroyed response, or, for one queued on a pipelined connection, its request\'s socket', () => {
    expect(connectionClosed({ destroyed: false, req: { socket: { destroyed: false } } })).toBe(false)
    expect(connectionClosed({ destroyed: true, req: { socket: { destroyed: false } } })).toBe(true)
    expect(connectionClosed({ destroyed: false, req: { socket: { destroyed: true } } })).toBe(true)
    expect(connectionClosed({})).toBe(false)
  })
})
