import { storeFailure, StoreTimeoutError } from './errors.js'

export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function'
}

/**
 * Races a store operation against larder's own deadline: network clients do not time out a command
 * already written to the socket, and a request must never wait on a stalled cache longer than this.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, op: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreTimeoutError(op, ms)), ms)
    promise.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(storeFailure(op, e))
      },
    )
  })
}
