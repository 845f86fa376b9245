// The methods whose success changes nothing a cache holds. RFC 9110 §9.2.1 defines GET, HEAD,
// OPTIONS and TRACE as safe; the IANA HTTP Method Registry's "Safe" column adds the WebDAV methods
// PROPFIND, REPORT and SEARCH (RFC 4918, 3253, 5323; registered by RFC 7237), and PRI, which is the
// HTTP/2 preface and never reaches an application. Everything else, including methods the registry
// does not list (or lists as draft, like QUERY, until it is registered safe), counts as unsafe:
// RFC 9111 §4.4 asks a cache to invalidate after a non-error response to an unsafe method or to
// one whose safety it does not know.
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'REPORT', 'SEARCH', 'PRI'])

/**
 * Whether a request with `method` (as the request line spells it: methods are case-sensitive) may
 * have changed what is stored, so that its non-error response invalidates (RFC 9111 §4.4). Adapters
 * ask it to decide which routes need a write's hooks.
 */
export function isUnsafeMethod(method: string): boolean {
  return !SAFE.has(method)
}
