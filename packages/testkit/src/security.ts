import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import type { AppFactory, RouteSpec } from './apps.js'
import { useHarness } from './harness.js'
import { fetchFrom } from './http.js'
import type { StoreFactory } from './store-wrappers.js'

/** Black-box attacks on the cache, each named after the attack, run against real servers. */
export function securitySuite(apps: AppFactory, stores: StoreFactory): void {
  describe(`security: ${apps.name} + ${stores.name} store`, () => {
    const start = useHarness(apps, stores)

    const whoAmI: RouteSpec = {
      method: 'GET',
      path: '/me',
      handler: (req) => {
        const auth = req.headers['authorization']
        const cookie = req.headers['cookie']
        return { body: { json: { user: auth ?? cookie ?? 'anonymous' } } }
      },
    }

    it('per-user leak: Authorization', async () => {
      const h = await start([whoAmI])
      expect((await h.get('/me', { headers: { authorization: 'Bearer A' } })).json().user).toBe('Bearer A')
      expect((await h.get('/me', { headers: { authorization: 'Bearer B' } })).json().user).toBe('Bearer B')
      expect((await h.get('/me')).json().user).toBe('anonymous')
      expect((await h.get('/me', { headers: { authorization: 'Bearer B' } })).json().user).toBe('Bearer B')
    })

    it('per-user leak: cookies', async () => {
      const h = await start([whoAmI])
      expect((await h.get('/me', { headers: { cookie: 'sid=A' } })).json().user).toBe('sid=A')
      expect((await h.get('/me', { headers: { cookie: 'sid=B' } })).json().user).toBe('sid=B')
      await h.get('/me')
      expect((await h.get('/me', { headers: { cookie: 'sid=A' } })).json().user).toBe('sid=A')
      expect((await h.get('/me')).json().user).toBe('anonymous')
    })

    it('unkeyed headers: X-Forwarded-Host, X-Host, X-Forwarded-Scheme, X-Original-URL never reach a plain request', async () => {
      const h = await start(
        [
          {
            method: 'GET',
            path: '/page',
            handler: (req) => ({
              body: {
                json: {
                  link: `${String(req.headers['x-forwarded-scheme'] ?? 'http')}://${String(req.headers['x-host'] ?? req.host)}/next`,
                  original: req.headers['x-original-url'] ?? req.url,
                },
              },
            }),
          },
        ],
        {},
        { trustProxy: true },
      )
      const poisons: Array<Record<string, string>> = [{ 'x-forwarded-host': 'evil.test' }, { 'x-host': 'evil.test' }, { 'x-forwarded-scheme': 'evil' }, { 'x-original-url': '/evil' }]
      for (const headers of poisons) {
        await h.get('/page', { headers })
        await h.get('/page', { headers })
      }
      const plain = await h.get('/page')
      expect(plain.text).not.toContain('evil')
      expect((await h.get('/page')).text).not.toContain('evil')
    })

    it('fat GET and method override: neither is cached nor poisons the plain GET', async () => {
      const h = await start([
        {
          method: 'GET',
          path: '/item',
          handler: (req) => ({
            body: { json: { variant: req.headers['x-http-method-override'] ?? (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0' ? 'fat' : 'plain') } },
          }),
        },
      ])
      const fat = await request(h.url + '/item', { method: 'GET', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
      await fat.body.text()
      expect(fat.headers['x-cache']).toBe('BYPASS')
      const override = await h.get('/item', { headers: { 'x-http-method-override': 'DELETE' } })
      expect(override.cache).toBe('BYPASS')
      const plain = await h.get('/item')
      expect([plain.cache, plain.json().variant]).toEqual(['MISS', 'plain'])
      expect((await h.get('/item')).json().variant).toBe('plain')
    })

    it('parameter cloaking: every spelling gets the response its own query deserves', async () => {
      const echo: RouteSpec = { method: 'GET', path: '/search', handler: (req) => ({ body: { json: { query: req.query } } }) }
      const cached = await start([echo])
      const reference = await start([{ ...echo, options: false }])
      const urls = ['/search?id=1&id=2', '/search?id=2&id=1', '/search?id=1;id=2', '/search?id=1%26id=2', '/search?%69d=1&id=2', '/search?id=2&%69d=1', '/search?id=1&ID=2', '/search?a=1&b=2', '/search?b=2&a=1', '/search?a=%2B', '/search?a=+']
      for (const url of urls) await cached.get(url)
      for (const url of urls) {
        const got = await cached.get(url)
        expect(got.json(), url).toEqual((await reference.get(url)).json())
      }
    })

    it('cache deception: /account/x.css with a session cookie is never served without it', async () => {
      const h = await start([
        {
          method: 'GET',
          path: '/account/:file',
          handler: (req) => (req.headers['cookie'] ? { headers: { 'content-type': 'text/css' }, body: { text: 'account of sid=secret', type: 'text/css' } } : { status: 401, body: { text: 'log in' } }),
        },
      ])
      const victim = await h.get('/account/x.css', { headers: { cookie: 'sid=secret' } })
      expect(victim.text).toContain('secret')
      await h.get('/account/x.css', { headers: { cookie: 'sid=secret' } })
      const attacker = await h.get('/account/x.css')
      expect(attacker.status).toBe(401)
      expect(attacker.text).not.toContain('secret')
    })

    it('CPDoS: oversized headers or an error from a bad header never replace the real entry', async () => {
      const h = await start([
        { method: 'GET', path: '/home', options: { statuses: [200, 404] }, handler: (req) => (req.headers['x-bad'] ? { status: 400, body: { text: 'bad header' } } : { body: { text: 'home' } }) },
      ])
      await h.get('/home')
      const huge = await fetchFrom(h.url, '/home', { headers: { 'x-oversized': 'a'.repeat(20_000) } }).catch(() => undefined)
      if (huge) expect([400, 431]).toContain(huge.status)
      await h.get('/home', { headers: { 'x-bad': '1' } })
      await h.get('/home', { headers: { 'x-http-method-override': 'POST' } })
      const after = await h.get('/home')
      expect([after.status, after.cache, after.text]).toEqual([200, 'HIT', 'home'])
    })
  })
}
