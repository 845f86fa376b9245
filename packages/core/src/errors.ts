/**
 * The base of every error larder throws or reports (through `onError`, the logger or its warning).
 * `code` is stable across versions and across the ESM and CommonJS builds; the message is for people
 * and may be reworded. Something larder did not cause itself (a store's or a user function's
 * failure) is wrapped, and stays reachable as `cause`.
 */
export abstract class LarderError extends Error {
  abstract readonly code: string
}

/** Thrown at setup when an option is invalid: the message names the option, the value and a valid example. */
export class LarderOptionError extends LarderError {
  readonly code = 'LARDER_INVALID_OPTION'
  readonly option: string

  constructor(option: string, message: string) {
    super(`larder: ${message}`)
    this.name = 'LarderOptionError'
    this.option = option
  }
}

/** A store operation that did not answer within `storeTimeout`. */
export class StoreTimeoutError extends LarderError {
  readonly code = 'LARDER_STORE_TIMEOUT'

  constructor(op: string, ms: number) {
    super(`larder: store ${op} did not answer within ${ms}ms`)
    this.name = 'StoreTimeoutError'
  }
}

/**
 * A handler's response named more tags in the `tagHeader` than an entry may carry, or a tag too
 * long: the response is served, not stored (stored with some tags dropped, a write to a dropped
 * one would leave it stale).
 */
export class TagLimitError extends LarderError {
  readonly code = 'LARDER_TAG_LIMIT'

  constructor(header: string, problem: string) {
    super(`larder: the "${header}" header of a response ${problem}; the response was served but not stored (split the tags over fewer, broader ones, for example team:3 rather than one per member)`)
    this.name = 'TagLimitError'
  }
}

/** A store operation that threw or rejected; `cause` is what the store threw. */
export class StoreError extends LarderError {
  readonly code = 'LARDER_STORE_FAILED'
  /** The store operation: 'get', 'mark', 'set', 'invalidate', 'clear' or 'close'. */
  readonly op: string

  constructor(op: string, cause: unknown) {
    super(`larder: store ${op} failed: ${detail(cause)}`, { cause })
    this.name = 'StoreError'
    this.op = op
  }
}

/**
 * The breaker is open. Reported once, with the failure that opened it as `cause`, when it opens;
 * without a cause it is what a store call refused while the breaker is open fails with.
 */
export class CircuitOpenError extends LarderError {
  readonly code = 'LARDER_CIRCUIT_OPEN'

  constructor(cause?: unknown) {
    super(
      cause === undefined ? 'larder: the store failed repeatedly; calls are paused until a probe succeeds' : `larder: store failing (${detail(cause)}); pausing calls to it`,
      cause === undefined ? undefined : { cause },
    )
    this.name = 'CircuitOpenError'
  }
}

/**
 * A function from the options (`key.custom`, `tags`, `invalidates`) threw, with what it threw as
 * `cause`, or returned something larder cannot use. The request is served by its handler.
 */
export class CallbackError extends LarderError {
  readonly code = 'LARDER_CALLBACK_FAILED'
  /** The option that holds the function: 'key.custom', 'tags' or 'invalidates'. */
  readonly option: string

  /** `problem` completes "the "<option>" function …"; a thrown value is passed as `cause`. */
  constructor(option: string, problem: string, cause?: unknown) {
    super(`larder: the "${option}" function ${problem}`, cause === undefined ? undefined : { cause })
    this.name = 'CallbackError'
    this.option = option
  }

  static threw(option: string, cause: unknown): CallbackError {
    return new CallbackError(option, `threw: ${detail(cause)}`, cause)
  }
}

/** A store's failure as larder reports and rethrows it: its own errors as they are, others wrapped. */
export function storeFailure(op: string, error: unknown): LarderError {
  return error instanceof LarderError ? error : new StoreError(op, error)
}

// Another larder error's message already says "larder:"; once is enough in the wrapper's.
function detail(cause: unknown): string {
  return (cause instanceof Error ? cause.message : String(cause)).replace(/^larder: /, '')
}

// An option's bad value is usually one short list ([999]) or a few keys: shown that far, no further.
const SHOWN_ITEMS = 5

/**
 * Renders a user-supplied value for an error message without dumping whole objects: strings
 * quoted, so `'false'` reads apart from `false`; a short array item by item; an object by its keys.
 */
export function show(value: unknown, nested = false): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'function') return 'a function'
  if (value === null) return 'null'
  if (Array.isArray(value)) {
    if (nested) return `an array (${value.length} items)`
    const items = value.slice(0, SHOWN_ITEMS).map((v) => show(v, true))
    if (value.length > SHOWN_ITEMS) items.push(`… ${value.length - SHOWN_ITEMS} more`)
    return `[${items.join(', ')}]`
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value)
    if (nested || keys.length === 0) return keys.length === 0 ? 'an empty object' : 'an object'
    return `an object with ${keys.length === 1 ? 'key' : 'keys'} ${keys.slice(0, SHOWN_ITEMS).join(', ')}${keys.length > SHOWN_ITEMS ? ', …' : ''}`
  }
  return String(value)
}
