import type { KeyFunction, KeyInputs } from './key.js'
import { indexPath, splitUrl } from './paths.js'
import type { RequestHeaders, RequestInfo } from './types.js'

/** What one request is cached under. Shared between requests for the same URL: never modify. */
export interface RequestTarget {
  readonly key: string
  /** The path as received. */
  readonly path: string
  /** The index path (see indexPath), once known. */
  indexPath: string | undefined
}

/** The target of a request; throws what the key function throws. */
export type TargetFunction = (info: RequestInfo) => RequestTarget

/** A remembered target, with every input of its key besides the URL (see originComponent in key.ts). */
interface Remembered extends RequestTarget {
  readonly host: string | undefined
  readonly protocol: string | undefined
  readonly forwardedHost: RequestHeaders[string]
  readonly forwardedProto: RequestHeaders[string]
  readonly forwardedPort: RequestHeaders[string]
  readonly forwardedPrefix: RequestHeaders[string]
  readonly forwarded: RequestHeaders[string]
  readonly forwardedScheme: RequestHeaders[string]
  readonly forwardedServer: RequestHeaders[string]
}

function remember(target: RequestTarget, info: RequestInfo): Remembered {
  const h = info.headers
  return {
    key: target.key,
    path: target.path,
    indexPath: indexPath(target.path),
    host: info.host,
    protocol: info.protocol,
    forwardedHost: h['x-forwarded-host'],
    forwardedProto: h['x-forwarded-proto'],
    forwardedPort: h['x-forwarded-port'],
    forwardedPrefix: h['x-forwarded-prefix'],
    forwarded: h['forwarded'],
    forwardedScheme: h['x-forwarded-scheme'],
    forwardedServer: h['x-forwarded-server'],
  }
}

/** Whether `info` has the scheme and forwarding headers `known` was keyed with. */
function sameOrigin(known: Remembered, info: RequestInfo): boolean {
  const h = info.headers
  return (
    known.protocol === info.protocol &&
    known.forwardedHost === h['x-forwarded-host'] &&
    known.forwardedProto === h['x-forwarded-proto'] &&
    known.forwardedPort === h['x-forwarded-port'] &&
    known.forwardedPrefix === h['x-forwarded-prefix'] &&
    known.forwarded === h['forwarded'] &&
    known.forwardedScheme === h['x-forwarded-scheme'] &&
    known.forwardedServer === h['x-forwarded-server']
  )
}

// Large enough for the hot URLs of a Zipf-like workload, small enough that a flood of distinct URLs
// costs little: each memo holds at most MEMO_SIZE × (MEMO_URL_LENGTH + its key and path) chars.
const MEMO_SIZE = 1000
const MEMO_URL_LENGTH = 512

/** The index path of a target (see indexPath), computed once per target. */
export function indexPathOf(target: RequestTarget): string {
  return (target.indexPath ??= indexPath(target.path))
}

/**
 * Builds a route's target function. A key computed from the URL, host, scheme and forwarding
 * headers alone is remembered for recent URLs: building it (escaping, query normalising,
 * concatenating) and hashing the new string in each map it is looked up in cost more than the rest
 * of a miss, while the remembered key is one string whose hash V8 keeps, found by the identity of
 * the same object in every map.
 */
export function targetFunction(key: KeyFunction, inputs: KeyInputs): TargetFunction {
  const compute = (info: RequestInfo): RequestTarget => {
    const { path, query } = splitUrl(info.url)
    return { key: key(info, path, query), path, indexPath: undefined }
  }
  if (inputs === 'request') return compute
  const byHost = inputs === 'url+host'
  const memo = new Map<string, Remembered>()
  return (info) => {
    const url = info.url
    const known = memo.get(url)
    // An X-Forwarded-Host is keyed by whether it is the host, even when the host itself is not.
    if (known !== undefined && sameOrigin(known, info) && (known.host === info.host || (!byHost && known.forwardedHost === undefined))) return known
    const target = compute(info)
    if (url.length > MEMO_URL_LENGTH) return target
    // Oldest first: Maps iterate in insertion order.
    if (known === undefined && memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!)
    const remembered = remember(target, info)
    memo.set(url, remembered)
    return remembered
  }
}
