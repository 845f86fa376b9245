import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import { Agent, request } from 'undici'

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1): a proxy never forwards them. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'])

/** The origin's answer, read whole: the suite's bodies are small, and a Buffer is what both frameworks send as-is. */
export interface Relayed {
  status: number
  headers: OutgoingHttpHeaders
  body: Buffer
}

function listed(value: string | string[] | undefined): string[] {
  if (value === undefined) return []
  return (Array.isArray(value) ? value.join(',') : value).split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '')
}

/** The end-to-end headers of a message: hop-by-hop ones and those its Connection header names dropped. */
export function endToEnd<T extends IncomingHttpHeaders | Record<string, string | string[] | undefined>>(headers: T): Record<string, string | string[]> {
  const named = new Set(listed(headers['connection']))
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (value === undefined || HOP_BY_HOP.has(lower) || named.has(lower)) continue
    out[lower] = value
  }
  return out
}

export interface OriginRequest {
  method: string
  /** Path and query, as the client sent them. */
  url: string
  headers: IncomingHttpHeaders
  /** The request body: the raw stream (Express) or the bytes a parser collected (Fastify). */
  body: Readable | Buffer | undefined
  /** Called with each interim (1xx) response the origin sends before its final one. */
  onInterim?: (status: number, headers: Record<string, string | string[]>) => void
}

/**
 * Forwards one request to the origin and reads its answer: the "handler" of a caching reverse
 * proxy. The origin's status is relayed as is (a 304 to a conditional request larder made stays a
 * 304), and nothing of undici's own (decompression, redirects) touches the message.
 */
export function createRelay(origin: string): { forward(req: OriginRequest): Promise<Relayed>; close(): Promise<void> } {
  const base = new URL(origin)
  const dispatcher = new Agent({ keepAliveTimeout: 10_000 })
  return {
    async forward(req) {
      const headers = endToEnd(req.headers)
      headers['host'] = base.host
      // A body is only sent when the client sent one: GET/HEAD without framing headers stay bodiless.
      const framed = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined
      const body = framed ? req.body : undefined
      // The length is the body's own once the framing is ours (Transfer-Encoding was dropped above).
      if (body !== undefined && req.headers['transfer-encoding'] !== undefined) delete headers['content-length']
      try {
        const onInfo = req.onInterim === undefined ? undefined : (info: { statusCode: number; headers: Record<string, string | string[]> }) => req.onInterim?.(info.statusCode, info.headers)
        const res = await request(new URL(req.url, base), { method: req.method, headers, body: body ?? null, dispatcher, ...(onInfo ? { onInfo } : {}) })
        const bytes = Buffer.from(await res.body.arrayBuffer())
        return { status: res.statusCode, headers: endToEnd(res.headers), body: bytes }
      } catch {
        // The origin closed the connection or sent no valid response (some stale-if-error tests
        // do this on purpose): what a gateway answers then.
        return { status: 502, headers: {}, body: Buffer.alloc(0) }
      }
    },
    close: () => dispatcher.close(),
  }
}
