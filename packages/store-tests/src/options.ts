import { LarderOptionError, show } from '@larder/core/store'

export interface StoreContractOptions {
  /**
   * The expiry test stores an entry that lives `ttlMs`, then waits `waitMs` and expects it gone.
   * Default `{ ttlMs: 300, waitMs: 700 }`. A store whose backend expires in whole seconds needs
   * longer, for example `{ ttlMs: 1000, waitMs: 2500 }`.
   */
  expiry?: { ttlMs: number; waitMs: number }
}

export interface ResolvedStoreContractOptions {
  expiry: { ttlMs: number; waitMs: number }
}

const EXAMPLE = 'for example { expiry: { ttlMs: 1000, waitMs: 2500 } }'

export function resolveOptions(options: StoreContractOptions | undefined): ResolvedStoreContractOptions {
  const o = options ?? {}
  for (const k of Object.keys(o)) {
    if (k !== 'expiry') throw new LarderOptionError(k, `unknown store contract option "${k}"; the only option is expiry (${EXAMPLE})`)
  }
  const expiry = o.expiry ?? { ttlMs: 300, waitMs: 700 }
  const { ttlMs, waitMs } = expiry
  if (!Number.isInteger(ttlMs) || ttlMs < 1) {
    throw new LarderOptionError('expiry.ttlMs', `store contract option "expiry.ttlMs" must be a whole number of milliseconds, at least 1 (${EXAMPLE}); got ${show(ttlMs)}`)
  }
  if (!Number.isInteger(waitMs) || waitMs <= ttlMs) {
    throw new LarderOptionError('expiry.waitMs', `store contract option "expiry.waitMs" must be a whole number of milliseconds, longer than expiry.ttlMs (${EXAMPLE}); got ${show(waitMs)}`)
  }
  return { expiry: { ttlMs, waitMs } }
}
