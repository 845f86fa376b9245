/** Thrown at setup when an option is invalid: the message names the option, the value and a valid example. */
export class LarderOptionError extends TypeError {
  readonly code = 'LARDER_INVALID_OPTION'
  readonly option: string

  constructor(option: string, message: string) {
    super(`larder: ${message}`)
    this.name = 'LarderOptionError'
    this.option = option
  }
}

/** A store operation that did not answer within `storeTimeout`. */
export class StoreTimeoutError extends Error {
  readonly code = 'LARDER_STORE_TIMEOUT'

  constructor(op: string, ms: number) {
    super(`larder: store ${op} did not answer within ${ms}ms`)
    this.name = 'StoreTimeoutError'
  }
}

/** Renders a user-supplied value for an error message without dumping whole objects. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return `an array (${value.length} items)`
  if (value === null) return 'null'
  if (typeof value === 'object') return 'an object'
  return String(value)
}
