import { ServerResponse } from 'node:http'
import { createCache, memoryStore, type Store } from '@larder/core'
import { larder } from '@larder/express'
import { fetchFrom, listen, sleep } from '@larder/testkit'
import express, { type Express } from 'express'
// @ts-expect-error -- Express 4 under an alias; typed through Express 5's types, which cover what is used here.
import express4 from 'express4'
import { afterEach, describe, expect, it } from 'vitest'

// larder's hooks on an app's response prototype last as long as a cache that uses them is open.

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of closers.splice(0)) await c()
})

type Get = (path: string, o?: Parameters<typeof fetchFrom>[2]) => ReturnType<typeof fetchFrom>

async function serve(app: Express): Promise<Get> {
  const running = await listen(app)
  closers.push(() => running.close())
  return (path, o) => fetchFrom(running.url, path, o)
}

/** A promise and the function that settles it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire = (): void => {}
  const promise = new Promise<void>((r) => (fire = r))
  return { promise, fire }
}

const METHODS = ['writeHead', 'write', 'end'] as const

/** Which of the response methods `proto` has as its own property, and whether each is Node's. */
function methodsOf(proto: object): Array<[string, boolean, boolean]> {
  return METHODS.map((m) => [m, Object.hasOwn(proto, m), (proto as Record<string, unknown>)[m] === ServerResponse.prototype[m]])
}

const NODE_METHODS = METHODS.map((m) => [m, false, true])
const LARDER_METHODS = METHODS.map((m) => [m, true, false])

describe.each([
  ['Express 5', () => express()],
  ['Express 4', () => (express4 as typeof express)()],
])('%s: hooks and cache.close()', (_name, makeApp) => {
  it("after cache.close() the app's response prototype has its own methods again", async () => {
    const cache = createCache()
    const app = makeApp()
    app.use(larder(cache))
    app.get('/page', (_req, res) => res.send('page'))
    const get = await serve(app)
    expect((await get('/page')).cache).toBe('MISS')
    expect(methodsOf(app.response)).toEqual(LARDER_METHODS)
    await cache.close()
    expect(methodsOf(app.response)).toEqual(NODE_METHODS)
    // Served without larder from now on, and the prototype stays untouched.
    const after = await get('/page')
    expect([after.status, after.text]).toEqual([200, 'page'])
    expect(methodsOf(app.response)).toEqual(NODE_METHODS)
  })

  it('a miss in flight when its cache closes completes for its client, and for one waiting on it', async () => {
    const cache = createCache({ lockTimeout: '30s' })
    const app = makeApp()
    app.use(larder(cache))
    const started = signal()
    const resume = signal()
    app.get('/slow', (_req, res) => {
      res.write('first,')
      started.fire()
      void resume.promise.then(() => res.end('second'))
    })
    const get = await serve(app)
    const leader = get('/slow')
    await started.promise
    const waiter = get('/slow')
    await sleep(50)
    await cache.close()
    resume.fire()
    const [a, b] = await Promise.all([leader, waiter])
    expect([a.status, a.text]).toEqual([200, 'first,second'])
    expect(b.status).toBe(200)
    expect(methodsOf(app.response)).toEqual(NODE_METHODS)
  })

  it("a mutation held for its invalidation when its cache closes is sent whole, in order", async () => {
    // The hooks stay until the held calls are replayed: taken off earlier, a call made meanwhile
    // would reach the client before the held status line.
    const invalidating = signal()
    const inner = memoryStore()
    const store: Store = {
      name: 'memory, invalidating when told',
      local: true,
      get: (key) => inner.get(key),
      mark: (key, path) => inner.mark(key, path),
      set: (key, entry, meta) => inner.set(key, entry, meta),
      invalidate: async (targets) => {
        await invalidating.promise
        return inner.invalidate(targets)
      },
      clear: () => inner.clear(),
      close: () => inner.close(),
    }
    const cache = createCache({ store, storeTimeout: '10s' })
    const app = makeApp()
    app.use(larder(cache))
    const headSent = signal()
    const ended = signal()
    app.put('/doc', (_req, res) => {
      res.writeHead(201, { 'x-written': 'head' })
      headSent.fire()
      void ended.promise.then(() => res.end('saved'))
    })
    const get = await serve(app)
    const put = get('/doc', { method: 'PUT' })
    await headSent.promise
    const closing = cache.close()
    ended.fire()
    await sleep(20)
    expect(methodsOf(app.response)).toEqual(LARDER_METHODS)
    invalidating.fire()
    const res = await put
    await closing
    expect([res.status, res.headers['x-written'], res.text]).toEqual([201, 'head', 'saved'])
    expect(methodsOf(app.response)).toEqual(NODE_METHODS)
  })

  it('two caches on one app: closing one keeps the hooks for the other, whose responses in flight are still stored', async () => {
    const first = createCache()
    const second = createCache()
    closers.push(() => second.close())
    const app = makeApp()
    const started = signal()
    const resume = signal()
    app.get('/a', larder(first), (_req, res) => res.send('a'))
    app.get('/b', larder(second), (_req, res) => {
      res.write('b1,')
      started.fire()
      void resume.promise.then(() => res.end('b2'))
    })
    const get = await serve(app)
    expect((await get('/a')).cache).toBe('MISS')
    const inFlight = get('/b')
    await started.promise
    await first.close()
    expect(methodsOf(app.response)).toEqual(LARDER_METHODS)
    resume.fire()
    expect((await inFlight).text).toBe('b1,b2')
    const hit = await get('/b')
    expect([hit.cache, hit.text]).toEqual(['HIT', 'b1,b2'])
    expect((await get('/a')).cache).toBe('BYPASS')
    await second.close()
    expect(methodsOf(app.response)).toEqual(NODE_METHODS)
  })
})

describe('the host, with Express 4 and Express 5 apps in one process', () => {
  // Express 4's req.host drops the port; larder takes the host as Express 5's req.host gives it on
  // either. A write's Location names what it changed when it is on the request's own origin, port
  // included, so that Location invalidates only when the host kept its port.
  it('each app gets the rule of its own Express', async () => {
    const names = ['Express 5', 'Express 4', 'Express 5 again']
    const gets: Get[] = []
    for (const make of [() => express(), () => (express4 as typeof express)(), () => express()]) {
      const cache = createCache()
      closers.push(() => cache.close())
      const app = make()
      app.set('trust proxy', true)
      app.use(larder(cache))
      app.get('/b', (_req, res) => res.send('b'))
      app.put('/a', (_req, res) => res.status(201).location('http://shop.example:8001/b').send('made'))
      gets.push(await serve(app))
    }
    const forwarded = { 'x-forwarded-host': 'shop.example:8001' }
    const seen: string[] = []
    for (const [i, get] of gets.entries()) {
      await get('/b', { headers: forwarded })
      seen.push(`${names[i]} ${(await get('/b', { headers: forwarded })).cache}`)
    }
    for (const get of gets) expect((await get('/a', { method: 'PUT', headers: forwarded })).status).toBe(201)
    for (const [i, get] of gets.entries()) seen.push(`${names[i]} ${(await get('/b', { headers: forwarded })).cache}`)
    expect(seen).toEqual(['Express 5 HIT', 'Express 4 HIT', 'Express 5 again HIT', 'Express 5 MISS', 'Express 4 MISS', 'Express 5 again MISS'])
  })
})
