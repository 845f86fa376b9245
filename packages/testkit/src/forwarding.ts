import http from 'node:http'
import { describe, expect, it } from 'vitest'
import type { AppFactory, HandlerRequest, Reply, RouteSpec } from './apps.js'
import { useHarness } from './harness.js'
import type { StoreFactory } from './store-wrappers.js'

const FORWARDING = ['x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-prefix', 'forwarded', 'x-forwarded-scheme', 'x-forwarded-server'] as const

/** Everything a handler can learn about the origin the client asked for. */
function originView(req: HandlerRequest): Reply {
  const seen: Record<string, unknown> = {}
  for (const name of FORWARDING) if (req.headers[name] !== undefined) seen[name] = req.headers[name]
  return { body: { json: { protocol: req.protocol, host: req.host, hostHeader: req.headers['host'], seen } } }
}

interface RawResponse {
  status: number
  cache: string | undefined
  text: string
  json<T = any>(): T
}

/**
 * One request with its target sent exactly as given: an absolute-form target (`http://host/p`) or a
 * fragment, which undici would rewrite. Node's client sends the path verbatim.
 */
export function requestTarget(base: string, method: string, target: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        const cache = res.headers['x-cache']
        resolve({ status: res.statusCode ?? 0, cache: Array.isArray(cache) ? cache.join(',') : cache, text, json: () => JSON.parse(text) })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

/**
 * Poisoning through what tells a handler the origin the client asked for: the forwarding headers
 * a proxy sets (X-Forwarded-Host/-Proto/-Port/-Prefix, Forwarded) and the Host with its port, with
 * trust proxy on and off. A request carrying one is never answered with a plain request's entry,
 * nor a plain request with its entry.
 */
export function forwardingSecuritySuite(apps: AppFactory, stores: StoreFactory): void {
  describe(`forwarding headers: ${apps.name} + ${stores.name} store`, () => {
    const start = useHarness(apps, stores)

    const poisons: Array<Record<string, string>> = [
      { 'x-forwarded-proto': 'https' },
      { 'x-forwarded-host': 'evil.test' },
      { 'x-forwarded-port': '8443' },
      { 'x-forwarded-prefix': '/evil' },
      { 'x-forwarded-scheme': 'https' },
      { 'x-forwarded-server': 'evil.test' },
      { forwarded: 'proto=https;host=evil.test' },
      { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.test', 'x-forwarded-port': '443' },
    ]

    const view: RouteSpec[] = [
      { method: 'GET', path: '/page/:n', handler: originView },
      { method: 'GET', path: '/reference/:n', options: false, handler: originView },
    ]

    for (const trustProxy of [false, true]) {
      for (const headers of poisons) {
        it(`${JSON.stringify(headers)} and a plain request never share a response (trust proxy ${trustProxy ? 'on' : 'off'})`, async () => {
          const h = await start(view, {}, { trustProxy })
          // What the handler answers each request with, the cache out of the way.
          const truth = async (n: string, headers?: Record<string, string>) => (await h.get(`/reference/${n}`, { headers })).json()
          // The forwarded request first, then plain ones.
          for (let round = 0; round < 2; round++) expect((await h.get('/page/1', { headers })).json()).toEqual(await truth('1', headers))
          for (let round = 0; round < 2; round++) expect((await h.get('/page/1')).json()).toEqual(await truth('1'))
          // Plain ones first, then the forwarded one.
          await h.get('/page/2')
          await h.get('/page/2')
          expect((await h.get('/page/2', { headers })).json()).toEqual(await truth('2', headers))
        })
      }

      it(`behind a proxy, requests carrying the same forwarding headers share entries (trust proxy ${trustProxy ? 'on' : 'off'})`, async () => {
        const h = await start(view, {}, { trustProxy })
        const proxied = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'site.test', 'x-forwarded-port': '443' }
        expect((await h.get('/page/1', { headers: proxied })).cache).toBe('MISS')
        expect((await h.get('/page/1', { headers: proxied })).cache).toBe('HIT')
        // ingress-nginx adds X-Forwarded-Scheme, Traefik X-Forwarded-Server, to every request.
        const ingress = { ...proxied, 'x-forwarded-scheme': 'https', 'x-forwarded-server': 'proxy-1' }
        expect((await h.get('/page/2', { headers: ingress })).cache).toBe('MISS')
        expect((await h.get('/page/2', { headers: ingress })).cache).toBe('HIT')
      })
    }

    it('an http redirect to https is never served to a request that arrived over https (trust proxy on)', async () => {
      const toHttps = (proto: string, req: HandlerRequest): Reply =>
        proto === 'https' ? { body: { text: 'secure page' } } : { status: 301, headers: { location: `https://${req.host ?? ''}/secure` }, body: { text: 'moved' } }
      const h = await start(
        [
          { method: 'GET', path: '/secure', handler: (req) => toHttps(req.protocol, req) },
          // The way some redirect middleware reads it, whatever trust proxy says.
          { method: 'GET', path: '/secure-raw', handler: (req) => toHttps(String(req.headers['x-forwarded-proto'] ?? req.protocol), req) },
        ],
        { statuses: [200, 301] },
        { trustProxy: true },
      )
      for (const path of ['/secure', '/secure-raw']) {
        // A visitor over http (through the proxy, then straight to the app), redirected and stored.
        expect((await h.get(path, { headers: { 'x-forwarded-proto': 'http' } })).status, path).toBe(301)
        expect((await h.get(path, { headers: { 'x-forwarded-proto': 'http' } })).status, path).toBe(301)
        expect((await h.get(path)).status, path).toBe(301)
        // A visitor over https must get the page, not the redirect (a loop for them).
        const secure = await h.get(path, { headers: { 'x-forwarded-proto': 'https' } })
        expect([secure.status, secure.text], path).toEqual([200, 'secure page'])
      }
    })

    it('the host is keyed with its port: a Host a handler reflects never reaches another host', async () => {
      const reflect: RouteSpec = { method: 'GET', path: '/links', handler: (req) => ({ body: { json: { next: `http://${String(req.headers['host'])}/next` } } }) }
      const h = await start([reflect])
      for (const host of ['127.0.0.1:1@evil.example', '127.0.0.1:1']) {
        await h.get('/links', { headers: { host } })
        expect((await h.get('/links', { headers: { host } })).json().next, host).toBe(`http://${host}/next`)
      }
      const plain = await h.get('/links')
      expect(plain.json().next).toBe(`http://${new URL(h.url).host}/next`)
    })

    it('the forwarded host is keyed with its port (trust proxy on)', async () => {
      const reflect: RouteSpec = { method: 'GET', path: '/links', handler: (req) => ({ body: { json: { next: `http://${String(req.headers['x-forwarded-host'])}/next` } } }) }
      const h = await start([reflect], {}, { trustProxy: true })
      const attack = { 'x-forwarded-host': 'site.test:1@evil.example' }
      await h.get('/links', { headers: attack })
      await h.get('/links', { headers: attack })
      expect((await h.get('/links', { headers: { 'x-forwarded-host': 'site.test' } })).json().next).toBe('http://site.test/next')
    })

    it('key.host: [hosts] shares entries between the listed hosts only', async () => {
      const h = await start([{ method: 'GET', path: '/home', handler: (req) => ({ body: { json: { host: req.headers['host'] } } }) }], { key: { host: ['a.test', 'b.test:8080'] } })
      expect((await h.get('/home', { headers: { host: 'a.test' } })).cache).toBe('MISS')
      const shared = await h.get('/home', { headers: { host: 'b.test:8080' } })
      expect([shared.cache, shared.json().host]).toEqual(['HIT', 'a.test'])
      expect((await h.get('/home', { headers: { host: 'A.TEST' } })).cache).toBe('HIT')
      // Any other host is its own: it neither reads nor replaces the listed hosts' entry.
      for (const host of ['evil.test', 'b.test', 'a.test:8080']) {
        await h.get('/home', { headers: { host } })
        expect((await h.get('/home', { headers: { host } })).json().host, host).toBe(host)
      }
      expect((await h.get('/home', { headers: { host: 'b.test:8080' } })).json().host).toBe('a.test')
    })
  })
}

/**
 * Writes invalidate the path the framework routed, however the request target spells it:
 * absolute-form (`PUT http://host/users/42`), with a fragment, or with Fastify's `;` delimiter.
 */
export function routedPathSuite(apps: AppFactory, stores: StoreFactory): void {
  describe(`routed paths: ${apps.name} + ${stores.name} store`, () => {
    const start = useHarness(apps, stores)

    async function usersApp() {
      const users = new Map<string, number>([['42', 1]])
      let version = 1
      const routes: RouteSpec[] = [
        { method: 'GET', path: '/users', handler: () => ({ body: { json: { all: Object.fromEntries(users) } } }) },
        { method: 'GET', path: '/users/:id', handler: (req) => ({ body: { json: { id: req.params['id'], v: users.get(req.params['id'] ?? '') ?? null } } }) },
        {
          method: 'PUT',
          path: '/users/:id',
          handler: (req) => {
            users.set(req.params['id'] ?? '', ++version)
            return { body: { json: { ok: true } } }
          },
        },
      ]
      const h = await start(routes, {}, { useSemicolonDelimiter: true })
      // What a read answers now.
      const one = (id = '42') => ({ id, v: users.get(id) ?? null })
      const all = () => ({ all: Object.fromEntries(users) })
      return { h, one, all }
    }

    for (const target of ['http://ORIGIN/users/42', 'HTTP://other.test/users/42?x=1', '/users/42#frag', '/users/42;v=1', '/users/42%3Bv=1']) {
      it(`a write to ${target} leaves nothing stale`, async () => {
        const { h, one, all } = await usersApp()
        const write = target.replace('http://ORIGIN', h.url)
        for (let round = 0; round < 2; round++) {
          await h.get('/users/42')
          await h.get('/users')
        }
        expect((await h.get('/users/42')).cache).toBe('HIT')
        expect((await requestTarget(h.url, 'PUT', write)).status).toBe(200)
        expect((await h.get('/users/42')).json()).toEqual(one())
        expect((await h.get('/users')).json()).toEqual(all())
      })
    }

    for (const target of ['http://ORIGIN/users/42', '/users/42#frag', '/users/42;v=1']) {
      it(`a read of ${target} stores nothing a plain write leaves stale`, async () => {
        const { h, one } = await usersApp()
        const read = target.replace('http://ORIGIN', h.url)
        await requestTarget(h.url, 'GET', read)
        expect((await requestTarget(h.url, 'GET', read)).cache).toBe('HIT')
        expect((await h.get('/users/42', { method: 'PUT' })).status).toBe(200)
        // Express routes `/users/42;v=1` to the user `42;v=1`, Fastify (with the option) to user 42.
        const got = (await requestTarget(h.url, 'GET', read)).json()
        expect(got).toEqual(one(got.id))
      })
    }
  })
}
