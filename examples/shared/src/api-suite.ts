import { createCache, type Cache } from '@larder/core'
import { request } from 'undici'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { User } from './db.js'
import type { ListenOptions, RunningApp } from './users-api.js'

export interface ApiResponse {
  status: number
  cache: string | undefined
  headers: Record<string, string | string[] | undefined>
  body: any
}

/** One request through undici; a JSON body is sent as JSON and a JSON response parsed. */
export async function call(base: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, json?: unknown): Promise<ApiResponse> {
  const res = await request(base + path, {
    method,
    headers: json === undefined ? {} : { 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  })
  const text = await res.body.text()
  const xcache = res.headers['x-cache']
  return {
    status: res.statusCode,
    cache: Array.isArray(xcache) ? xcache.join(',') : xcache,
    headers: res.headers,
    body: text === '' ? undefined : JSON.parse(text),
  }
}

/**
 * The users API behaviour both examples share, against a real server on port 0 with a fresh cache
 * and database per test. `start` is the example's `startApp`.
 */
export function usersApiSuite(name: string, start: (options: ListenOptions) => Promise<RunningApp>): void {
  describe(`${name} example: users API through larder`, () => {
    let cache: Cache
    let app: RunningApp
    let queries: string[]
    const get = (path: string) => call(app.url, 'GET', path)

    beforeEach(async () => {
      cache = createCache({ ttl: '5m' })
      queries = []
      app = await start({ cache, onQuery: (sql) => queries.push(sql) })
    })

    afterEach(async () => {
      await app.close()
      await cache.close()
    })

    it('lists the seeded users: MISS, then HIT without a query', async () => {
      const first = await get('/users')
      expect(first.status).toBe(200)
      expect(first.cache).toBe('MISS')
      expect(first.body.map((u: User) => u.id)).toEqual([1, 2, 3, 4])
      const second = await get('/users')
      expect(second.cache).toBe('HIT')
      expect(second.body).toEqual(first.body)
      expect(queries).toHaveLength(1)
    })

    it('gets one user: MISS, then HIT without a query', async () => {
      const first = await get('/users/1')
      expect(first).toMatchObject({ status: 200, cache: 'MISS', body: { id: 1, name: 'Ada Lovelace' } })
      const second = await get('/users/1')
      expect(second).toMatchObject({ status: 200, cache: 'HIT', body: first.body })
      expect(queries).toHaveLength(1)
    })

    it('creates a user; the cached list is invalidated and shows it', async () => {
      await get('/users')
      expect((await get('/users')).cache).toBe('HIT')
      const created = await call(app.url, 'POST', '/users', { name: 'Barbara Liskov', email: 'barbara@example.com' })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({ id: 5, name: 'Barbara Liskov' })
      expect(created.headers.location).toBe('/users/5')
      const list = await get('/users')
      expect(list.cache).toBe('MISS')
      expect(list.body.map((u: User) => u.id)).toEqual([1, 2, 3, 4, 5])
      expect(await get('/users/5')).toMatchObject({ status: 200, body: created.body })
    })

    it('after PUT the next GET returns the new data (MISS, then HIT), and the list is fresh too', async () => {
      await get('/users/1')
      await get('/users')
      expect((await get('/users/1')).cache).toBe('HIT')
      const updated = await call(app.url, 'PUT', '/users/1', { name: 'Ada King', email: 'ada.king@example.com' })
      expect(updated).toMatchObject({ status: 200, body: { id: 1, name: 'Ada King' } })
      expect(await get('/users/1')).toMatchObject({ status: 200, cache: 'MISS', body: { name: 'Ada King', email: 'ada.king@example.com' } })
      expect(await get('/users/1')).toMatchObject({ status: 200, cache: 'HIT', body: { name: 'Ada King' } })
      const list = await get('/users')
      expect(list.cache).toBe('MISS')
      expect(list.body[0]).toMatchObject({ id: 1, name: 'Ada King' })
    })

    it('PUT invalidates every URL variant of the user: the query string, and other spellings of the id by tag', async () => {
      for (const path of ['/users/1', '/users/1?fields=all', '/users/01']) {
        await get(path)
        expect((await get(path)).cache).toBe('HIT')
      }
      await call(app.url, 'PUT', '/users/1', { name: 'Ada King', email: 'ada@example.com' })
      for (const path of ['/users/1', '/users/1?fields=all', '/users/01']) {
        expect(await get(path), path).toMatchObject({ cache: 'MISS', body: { name: 'Ada King' } })
      }
    })

    it('a 404 is not cached', async () => {
      const first = await get('/users/999')
      expect(first).toMatchObject({ status: 404, cache: 'MISS', body: { error: 'no user 999' } })
      const second = await get('/users/999')
      expect(second).toMatchObject({ status: 404, cache: 'MISS' })
      expect(queries).toHaveLength(2)
      // Not a valid id at all: 404 without a query, and not cached either.
      expect(await get('/users/abc')).toMatchObject({ status: 404, cache: 'MISS' })
      expect(await get('/users/abc')).toMatchObject({ status: 404, cache: 'MISS' })
    })

    it('DELETE makes the next GET 404 and removes the user from the list', async () => {
      await get('/users/2')
      await get('/users')
      expect((await get('/users/2')).cache).toBe('HIT')
      const deleted = await call(app.url, 'DELETE', '/users/2')
      expect(deleted.status).toBe(204)
      expect(await get('/users/2')).toMatchObject({ status: 404, cache: 'MISS' })
      const list = await get('/users')
      expect(list.cache).toBe('MISS')
      expect(list.body.map((u: User) => u.id)).toEqual([1, 3, 4])
      expect((await call(app.url, 'DELETE', '/users/2')).status).toBe(404)
    })

    it('rejects invalid input with 400 and a missing user with 404, leaving cached entries alone', async () => {
      await get('/users/1')
      expect(await call(app.url, 'POST', '/users', { name: 'No Email' })).toMatchObject({ status: 400, body: { error: '"email" must be a non-empty string' } })
      expect((await call(app.url, 'PUT', '/users/1', { name: '', email: 'x@example.com' })).status).toBe(400)
      expect((await call(app.url, 'PUT', '/users/999', { name: 'Nobody', email: 'nobody@example.com' })).status).toBe(404)
      // Failed mutations invalidate nothing.
      expect(await get('/users/1')).toMatchObject({ cache: 'HIT', body: { name: 'Ada Lovelace' } })
      expect(cache.stats().invalidatedEntries).toBe(0)
    })

    it('20 concurrent requests for an invalidated key run the handler once', async () => {
      await app.close()
      app = await start({ cache, queryDelayMs: 50, onQuery: (sql) => queries.push(sql) })
      await get('/users/3')
      await cache.invalidate({ tags: ['user:3'] })
      queries = []
      const responses = await Promise.all(Array.from({ length: 20 }, () => get('/users/3')))
      expect(queries).toHaveLength(1)
      expect(responses.every((r) => r.status === 200 && r.body.name === 'Alan Turing')).toBe(true)
      expect(responses.filter((r) => r.cache === 'MISS')).toHaveLength(1)
      expect(responses.filter((r) => r.cache === 'HIT')).toHaveLength(19)
    })
  })
}
