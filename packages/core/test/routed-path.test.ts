import { describe, expect, it } from 'vitest'
import { indexPath } from '../src/paths.js'

// Each spelling a framework routes to /users/42 is indexed there: absolute-form, a fragment,
// Fastify's `;` delimiter. Those Express routes to another resource (`42;v=1`, an encoded `#`) are
// indexed with 42 too, and `/users;v=1/42` with /users: more invalidation, never less.
describe('the path a write invalidates', () => {
  it.each([
    ['http://a.test/users/42', '/users/42'],
    ['HTTP://u@a.test:1/Users/42/', '/users/42'],
    ['http://a.test', '/'],
    ['/users/42#x', '/users/42'],
    ['/users/42;v=1', '/users/42'],
    ['/users/42%3Bv=1', '/users/42'],
    ['/users/42%23x', '/users/42'],
    ['/users;v=1/42', '/users'],
    ['/users/42', '/users/42'],
    ['users/42', '/users/42'],
  ])('%s is indexed as %s', (raw, indexed) => {
    expect(indexPath(raw)).toBe(indexed)
  })
})
