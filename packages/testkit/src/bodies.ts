import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { AppFactory, HandlerRequest, Reply, RouteSpec } from './apps.js'
import { useHarness, type Harness } from './harness.js'
import type { StoreFactory } from './store-wrappers.js'

interface Deferred {
  promise: Promise<void>
  resolve: () => void
}

function deferred(): Deferred {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

/** Lets the server finish what the last event started (ending a response, storing it) before the test goes on. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r))

/**
 * A client that leaves mid-response: it sends a GET over its own connection, waits until it has
 * received `bytes` bytes of body (0: none) and until `ready` settles, then closes the connection.
 */
async function leave(h: Harness, path: string, bytes: number, ready: Promise<void>): Promise<void> {
  const url = new URL(h.url)
  const socket = connect(Number(url.port), url.hostname)
  socket.on('error', () => undefined)
  let received = Buffer.alloc(0)
  const enough = new Promise<void>((resolve) => {
    const check = (): void => {
      const head = received.indexOf('\r\n\r\n')
      if (bytes === 0 || (head !== -1 && received.length - head - 4 >= bytes)) resolve()
    }
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      check()
    })
    check()
  })
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`)
  await enough
  await ready
  socket.destroy()
  await new Promise((r) => socket.once('close', r))
}

/** What the route does on its nth call: the calls of a test follow a script. */
type Act = (req: HandlerRequest) => Reply | Promise<Reply>

function scripted(path: string, acts: Act[], then: Act): RouteSpec {
  let calls = 0
  return { method: 'GET', path, handler: (req) => (acts[calls++] ?? then)(req) }
}

/** A response that says it cannot be shared: afterwards the key's requests no longer wait on one another. */
const noStore: Act = () => ({ headers: { 'cache-control': 'no-store' }, body: { text: 'not shared' } })

const ROWS = Array.from({ length: 10 }, (_, i) => `row ${i}\n`)
const FULL = ROWS.join('')

async function* rows(): AsyncGenerator<string> {
  yield* ROWS
}

/**
 * Responses that reach larder cut short, and must never be stored: a body shorter than its
 * Content-Length, and a body its handler ended early because the client had gone. Each runs both
 * for a key whose misses others may wait on and for one whose misses run alone (a key that answered
 * `no-store` lately), since larder watches a connection differently in the two cases.
 */
export function bodiesSuite(apps: AppFactory, stores: StoreFactory): void {
  describe(`incomplete bodies: ${apps.name} + ${stores.name} store`, () => {
    const start = useHarness(apps, stores)

    describe.each([
      ['a key others may wait on', false],
      ['a key whose misses run alone', true],
    ])('%s', (_name, alone) => {
      const prelude = alone ? [noStore] : []

      /** Starts the app; for a key whose misses run alone, first has it answer `no-store`. */
      async function run(route: RouteSpec): Promise<Harness> {
        const h = await start([route])
        if (alone) expect((await h.get(route.path)).text).toBe('not shared')
        return h
      }

      /** After the cut-short response: a full miss, then a hit with the full body. */
      async function expectFullThenHit(h: Harness, path: string): Promise<void> {
        const next = await h.get(path)
        expect([next.cache, next.text]).toEqual(['MISS', FULL])
        const hit = await h.get(path)
        expect([hit.cache, hit.text]).toEqual(['HIT', FULL])
      }

      it('a body shorter than its Content-Length is not stored', async () => {
        const ended = deferred()
        const length = { 'content-length': String(FULL.length) }
        async function* half(): AsyncGenerator<string> {
          try {
            yield* ROWS.slice(0, 5)
          } finally {
            ended.resolve()
          }
        }
        const h = await run(scripted('/export', [...prelude, () => ({ headers: length, body: { writes: half() } })], () => ({ headers: length, body: { writes: rows() } })))
        // The client has all the handler sent and waits for the rest; the response has ended.
        await leave(h, '/export', ROWS.slice(0, 5).join('').length, ended.promise.then(settle))
        await expectFullThenHit(h, '/export')
      })

      it('a streamed body its handler ended when the client left is not stored', async () => {
        const ended = deferred()
        async function* untilClientLeaves(req: HandlerRequest): AsyncGenerator<string> {
          try {
            yield ROWS[0]!
            // An export that stops when nobody is reading it any more, and ends its response.
            await req.closed
          } finally {
            ended.resolve()
          }
        }
        const h = await run(scripted('/export', [...prelude, (req) => ({ body: { writes: untilClientLeaves(req) } })], () => ({ body: { writes: rows() } })))
        await leave(h, '/export', ROWS[0]!.length, Promise.resolve())
        await ended.promise
        await settle()
        await expectFullThenHit(h, '/export')
      })

      it('a body sent in one piece after the client left (what the handler had by then) is not stored', async () => {
        const waiting = deferred()
        const replied = deferred()
        const h = await run(
          scripted(
            '/export',
            [
              ...prelude,
              async (req) => {
                waiting.resolve()
                await req.closed
                replied.resolve()
                return { body: { text: ROWS[0]! } }
              },
            ],
            () => ({ body: { text: FULL } }),
          ),
        )
        await leave(h, '/export', 0, waiting.promise)
        await replied.promise
        await settle()
        await expectFullThenHit(h, '/export')
      })
    })
  })
}
