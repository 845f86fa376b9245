import { TagLimitError } from './errors.js'
import type { HeaderValue, ResponseHeaders } from './types.js'

/** Where an entry keeps the tags its handler gave it (never replayed): a 304 that refreshes the entry keeps them. */
export const ENTRY_TAGS = 'larder-tags'

export const MAX_HANDLER_TAGS = 64
export const MAX_TAG_LENGTH = 256

/**
 * The tags a handler set in the `tagHeader` (values separated by commas or spaces, several header
 * lines allowed), or a TagLimitError when there are more than an entry may carry.
 */
export function handlerTags(value: ResponseHeaders[string], header: string): string[] | TagLimitError {
  if (value === undefined) return []
  const text = Array.isArray(value) ? value.join(',') : String(value)
  const tags = [...new Set(text.split(/[\s,]+/).filter((t) => t !== ''))]
  if (tags.length > MAX_HANDLER_TAGS) return new TagLimitError(header, `names ${tags.length} tags, more than the ${MAX_HANDLER_TAGS} an entry may carry`)
  const long = tags.find((t) => t.length > MAX_TAG_LENGTH)
  if (long !== undefined) return new TagLimitError(header, `names a tag of ${long.length} characters, longer than ${MAX_TAG_LENGTH}`)
  return tags
}

/** The handler's tags an entry keeps (see ENTRY_TAGS). */
export function entryTags(headers: Record<string, HeaderValue>): readonly string[] {
  const v = headers[ENTRY_TAGS]
  return v === undefined ? [] : (Array.isArray(v) ? v.join(' ') : v).split(' ').filter((t) => t !== '')
}
