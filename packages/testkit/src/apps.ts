import type { Readable } from 'node:stream'
import type { Cache, RouteOptions } from '@larder/core'

/** What a test handler sees, the same whichever framework runs it. */
export interface HandlerRequest {
  method: string
  url: string
  params: Record<string, string>
  /** The query as the framework parsed it. */
  query: unknown
  /** The host as the framework sees it (trust proxy applied). */
  host: string | undefined
  /** The scheme as the framework sees it (trust proxy applied). */
  protocol: string
  headers: Record<string, string | string[] | undefined>
  /** Settles when the connection closes (the client left, or the response is done); watched only once read. */
  readonly closed: Promise<void>
}

/** A response described independently of the framework; each app factory turns it into native calls. */
export interface Reply {
  status?: number
  headers?: Record<string, string | string[]>
  /** json: res.json / returned object; text; bytes: a Buffer; chunks: several writes; stream: piped. */
  body?: { json: unknown } | { text: string; type?: string } | { bytes: Buffer } | WholeBody | { chunks: Array<string | Buffer> } | { stream: () => Readable } | Writes
  /** Throw from the handler (the framework answers 500). */
  fail?: boolean
}

/**
 * The whole body in one call that also ends the response, below the framework's send helpers
 * (Express: `res.end(body)`; Fastify: `reply.send(body)`, a string payload).
 */
export interface WholeBody {
  end: string
}

/**
 * Chunks produced as the handler goes, each written as soon as it is ready (Express: res.write;
 * Fastify: a stream), and the response ended normally when they run out, however that came about.
 */
export interface Writes {
  writes: AsyncIterable<string | Buffer>
}

export interface RouteSpec {
  /**
   * Any method Node's HTTP parser accepts (`http.METHODS`): the app factories register a route for a
   * method beyond the usual five as an app would (Express: `app.purge(...)`; Fastify: `addHttpMethod`).
   */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | (string & {})
  /** Framework route pattern, e.g. '/users/:id'. */
  path: string
  /** Route-level larder options (Express: larder(cache, options) on the route; Fastify: config.cache). */
  options?: RouteOptions | boolean
  handler: (req: HandlerRequest) => Reply | Promise<Reply>
}

export interface StartOptions {
  /** Cache every GET/HEAD route (default true). */
  global?: boolean
  /** Log errors through the framework's logger when it has one (default false, to keep test output clean). */
  logger?: boolean
  /** The framework's trust-proxy setting (default off). */
  trustProxy?: boolean
  /** Fastify's router ends the path at ';' too (useSemicolonDelimiter; Express has no such option). */
  useSemicolonDelimiter?: boolean
  /**
   * Register the framework's usual compressor (Express: compression(), Fastify: @fastify/compress),
   * compressing every size, before or after larder, as an app's code would order them.
   */
  compressor?: 'before' | 'after'
  /** Express's 'etag' setting (default: the framework's own, weak ETags on res.send; Fastify sets none). */
  etag?: boolean
  /** Express's 'query parser' setting (default: the framework's own; Fastify has only one). */
  queryParser?: 'simple' | 'extended'
}

export interface RunningApp {
  url: string
  close(): Promise<void>
}

/** Starts a real server on port 0 for one adapter. */
export interface AppFactory {
  name: string
  start(cache: Cache, routes: RouteSpec[], options?: StartOptions): Promise<RunningApp>
}
