import { describe, expect, it } from 'vitest'
import { LarderOptionError, memoryStore } from '@larder/core'
import { describeStoreContract } from '@larder/store-tests'

describe('describeStoreContract options', () => {
  it('refuses an unknown option and an expiry it cannot test, naming the option and the value', () => {
    const store = () => memoryStore()
    expect(() => describeStoreContract('x', store, { expiry: { ttlMs: 300, waitMs: 700 }, timeout: 5 } as never)).toThrow(/unknown store contract option "timeout"/)
    expect(() => describeStoreContract('x', store, { expiry: { ttlMs: 0, waitMs: 700 } })).toThrow(/"expiry.ttlMs" .*got 0$/)
    expect(() => describeStoreContract('x', store, { expiry: { ttlMs: 1.5, waitMs: 700 } })).toThrow(/"expiry.ttlMs" .*got 1.5$/)
    expect(() => describeStoreContract('x', store, { expiry: { ttlMs: 1000, waitMs: 1000 } })).toThrow(/"expiry.waitMs" .*longer than expiry.ttlMs.*got 1000$/)
    expect(() => describeStoreContract('x', store, { expiry: { ttlMs: 0, waitMs: 700 } })).toThrow(LarderOptionError)
  })
})

// The expiry test with the lifetime and the wait it is given: an entry that lives a whole second,
// present at once and gone 1.5 s later.
describeStoreContract('memory, expiry given', () => memoryStore(), { expiry: { ttlMs: 1000, waitMs: 1500 } })
