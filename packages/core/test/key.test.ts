import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createCache, type RequestInfo } from '@larder/core'
import { variantKey } from '../src/key.js'

const cache = createCache({ namespace: 'ns', key: { headers: ['accept-language', 'accept-encoding'], custom: (req: any) => req.tenant } })
const route = cache.route()

function keyOf(url: string, opts: { host?: string; lang?: string; enc?: string; tenant?: string } = {}): string {
  const info: RequestInfo = {
    method: 'GET',
    url,
    headers: { 'accept-language': opts.lang, 'accept-encoding': opts.enc },
    host: opts.host ?? 'example.test',
    raw: { tenant: opts.tenant },
  }
  const q = url.indexOf('?')
  return route.key(info, q === -1 ? url : url.slice(0, q), q === -1 ? '' : url.slice(q + 1))
}

describe('cache keys', () => {
  it('are namespaced and readable', () => {
    expect(keyOf('/users/1?b=2&a=1', { lang: 'en' })).toBe('ns:GET:/users/1?a=1&b=2|@example.test|h=en|h')
  })

  it('treat spellings the handler cannot tell apart as one key', () => {
    expect(keyOf('/q?a=1&b=2')).toBe(keyOf('/q?b=2&a=1'))
    expect(keyOf('/q?a=%41')).toBe(keyOf('/q?a=A'))
    expect(keyOf('/q?a')).toBe(keyOf('/q?a='))
    expect(keyOf('/q?a=1&')).toBe(keyOf('/q?a=1'))
    expect(keyOf('/q?%69d=1')).toBe(keyOf('/q?id=1'))
    expect(keyOf('/q', { enc: 'gzip, deflate, br' })).toBe(keyOf('/q', { enc: 'br;q=1.0, deflate, gzip' }))
  })

  it('keep apart what the handler can tell apart', () => {
    expect(keyOf('/q?id=1&id=2')).not.toBe(keyOf('/q?id=2&id=1'))
    expect(keyOf('/q?%69d=1&id=2')).not.toBe(keyOf('/q?id=2&%69d=1'))
    expect(keyOf('/q?a=+')).not.toBe(keyOf('/q?a=%2B'))
    expect(keyOf('/q?a=1;b=2')).not.toBe(keyOf('/q?a=1&b=2'))
    expect(keyOf('/Q')).not.toBe(keyOf('/q'))
    expect(keyOf('/q', { host: 'a.test' })).not.toBe(keyOf('/q', { host: 'b.test' }))
    expect(keyOf('/q', { enc: 'gzip' })).not.toBe(keyOf('/q', { enc: 'identity' }))
    expect(keyOf('/q', { tenant: 't1' })).not.toBe(keyOf('/q'))
  })

  it('tell an absent header from an empty one (RFC 9111 §4.1), in the key and in a variant', () => {
    expect(keyOf('/q', { lang: '' })).not.toBe(keyOf('/q'))
    expect(keyOf('/q', { enc: '' })).not.toBe(keyOf('/q'))
    expect(keyOf('/q', { lang: '' })).toBe(keyOf('/q', { lang: ' ' }))
    const settings = { namespace: 'ns', maxKeyLength: 512 }
    const variant = (headers: RequestInfo['headers']) => variantKey('ns:GET:/q', ['x-foo', 'x-bar'], headers, settings)
    expect(variant({ 'x-foo': '' })).not.toBe(variant({}))
    expect(variant({ 'x-bar': '' })).not.toBe(variant({ 'x-foo': '' }))
    expect(variant({ 'x-foo': 'a' })).toBe(variant({ 'x-foo': ' a ' }))
    // Injective over present, empty and absent values, whatever they hold.
    const value = fc.option(fc.string({ unit: 'binary', maxLength: 6 }).filter((v) => v === v.trim()), { nil: undefined })
    fc.assert(
      fc.property(value, value, value, value, (a, b, c, d) => {
        if (a !== c || b !== d) expect(variant({ 'x-foo': a, 'x-bar': b })).not.toBe(variant({ 'x-foo': c, 'x-bar': d }))
      }),
      { numRuns: 3000 },
    )
  })

  it('have a bounded length', () => {
    const long = keyOf('/q?x=' + 'y'.repeat(10_000))
    expect(long.length).toBeLessThanOrEqual(512)
    expect(long).toMatch(/^ns:GET:#/)
    expect(keyOf('/q?x=' + 'y'.repeat(10_000) + 'z')).not.toBe(long)
  })

  const component = fc.string({ unit: 'binary', maxLength: 12 })
  const request = fc.record({
    path: fc.string({ maxLength: 12 }).map((p) => '/' + p.replace(/[?#]/g, '')),
    params: fc.array(fc.tuple(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })), { maxLength: 3 }),
    host: component,
    lang: component,
    tenant: component,
  })
  const render = (r: { path: string; params: Array<[string, string]>; host: string; lang: string; tenant: string }) =>
    keyOf(r.params.length ? `${r.path}?${new URLSearchParams(r.params).toString()}` : r.path, { host: r.host, lang: r.lang, tenant: r.tenant })
  // What a handler sees: the path, the parameter list ordered by name (stable), the host, the header, the tenant.
  const meaning = (r: { path: string; params: Array<[string, string]>; host: string; lang: string; tenant: string }) =>
    JSON.stringify([r.path, [...r.params].filter(([k, v]) => k !== '' || v !== '').sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)), r.host, r.lang.trim(), r.tenant])

  it('never collide for requests that differ (fuzzed, delimiters included)', () => {
    fc.assert(
      fc.property(request, request, (a, b) => {
        if (meaning(a) !== meaning(b)) expect(render(a)).not.toBe(render(b))
      }),
      { numRuns: 3000 },
    )
  })

  it('never collide across routes keyed differently (fuzzed, with delimiter injection)', () => {
    const byHost = createCache({ namespace: 'ns' }).route()
    const plain = createCache({ namespace: 'ns', key: { host: false } }).route()
    const keyed = (path: string, host: string) => byHost.key({ method: 'GET', url: path, headers: {}, host, raw: {} }, path, '')
    const unkeyed = (path: string) => plain.key({ method: 'GET', url: path, headers: {}, host: 'ignored', raw: {} }, path, '')
    const path = fc.array(fc.constantFrom('/', 'a', '|', '@', '%', '7', 'C'), { maxLength: 8 }).map((p) => '/' + p.join(''))
    const host = fc.array(fc.constantFrom('a', '|', '@', '%', '7', 'C', '.'), { maxLength: 6 }).map((p) => p.join(''))
    fc.assert(
      fc.property(path, path, host, (a, b, h) => {
        // The injection: a path that spells out another request's host component.
        expect(keyed(a, h)).not.toBe(unkeyed(`${a}|@${h}`))
        expect(keyed(a, h)).not.toBe(unkeyed(b))
      }),
      { numRuns: 5000 },
    )
  })

  it('are equal for requests that differ only in the order of distinct names (fuzzed)', () => {
    fc.assert(
      fc.property(request, (r) => {
        // Names without '[' or '.', which qs files under a shorter name (query-parsers.test.ts has those).
        const params = r.params.map(([k, v]): [string, string] => [k.replace(/[[.]/g, '_'), v])
        const byName = new Map<string, Array<[string, string]>>()
        for (const p of params) byName.set(p[0], [...(byName.get(p[0]) ?? []), p])
        const regrouped = [...byName.values()].reverse().flat()
        expect(render({ ...r, params: regrouped })).toBe(render({ ...r, params }))
      }),
      { numRuns: 2000 },
    )
  })
})
