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
