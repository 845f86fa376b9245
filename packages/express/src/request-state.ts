import type { ServerResponse } from 'node:http'
import { LARDER_CACHE_CONTROL, OUTCOME_LABELS, replayHeaders, type HeaderSink, type HeaderSource, type Outcome, type Replacement, type RequestHeaders, type ResponseHeaders } from '@larder/core/adapter'

type Phase = 'open' | 'holding' | 'passing'
export type Method = 'writeHead' | 'write' | 'end'
export type Original = (this: ServerResponse, ...args: unknown[]) => unknown
type Call = { method: Method; args: unknown[] }

/**
 * The hooks on a shared response prototype that a response was hooked through (prototype-patch.ts).
 * They stay in place while a mutation holds a response, which must replay its calls in order.
 */
export interface PrototypeHooks {
  /** False once the hooks were taken off: a response hooked through them is no longer captured. */
  readonly active: boolean
  holdStarted(): void
  holdEnded(): void
}

/**
 * Per-request state shared by every larder middleware that sees the request. The response is
 * hooked once; hooks read `outcome` when they fire, so a later (more specific) middleware can
 * replace it without hooking twice.
 */
export class RequestState {
  phase: Phase = 'open'
  held: Call[] | undefined = undefined
  /** Hooked through these shared prototype hooks rather than through properties of the response. */
  prototypeHooks: PrototypeHooks | undefined = undefined
  // What writeHead/write/end were before larder (the prototype's, or another middleware's wrappers).
  writeHead: Original | undefined = undefined
  write: Original | undefined = undefined
  end: Original | undefined = undefined
  /**
   * The handler answered a revalidation with 304: the stored response goes out instead (its
   * status and headers are set at the head; body writes are dropped and `end` sends its body).
   */
  replaced: Replacement | undefined = undefined
  /** The request's own conditional and range headers, where a miss asked for the whole response (askForWholeResponse). */
  asked: RequestHeaders | undefined = undefined

  constructor(
    public outcome: Outcome,
    /** The cache's tagHeader: for larder alone, removed from the response before its head goes out. */
    private readonly tagHeader?: string,
  ) {}

  /**
   * The status line is being written: a fill decides whether to capture, a mutation may hold it.
   * `writeHeadArgs`: the arguments of the writeHead call that writes it, whose headers count too.
   */
  onHead(res: ServerResponse, status: number, writeHeadArgs: unknown[] | undefined): void {
    this.phase = 'passing'
    const outcome = this.outcome
    // For larder alone, whatever becomes of the response; read by the fill below, which says when it is absent.
    let ownField = outcome.kind !== 'miss' || outcome.fill === undefined
    if (outcome.kind === 'miss' && outcome.fill !== undefined) {
      const fill = outcome.fill
      if (passedHeaders(writeHeadArgs) === undefined) fill.startFrom(status, RESPONSE_HEADERS, res)
      else fill.start(status, headersWith(res, writeHeadArgs))
      const replacement = fill.replacement
      if (replacement !== undefined) {
        this.replaced = replacement
        res.statusCode = replacement.notModified ? 304 : replacement.entry.status
        replayHeaders(replacement.entry, Date.now(), RESPONSE_SINK, res, fill.statusHeader, OUTCOME_LABELS.revalidated, replacement.notModified)
      }
      const reason = fill.reason
      if (reason !== undefined && fill.reasonHeader !== undefined) res.setHeader(fill.reasonHeader, reason)
      ownField = fill.mayCarryOwnField
    } else if (outcome.kind === 'mutation') {
      const pending = outcome.mutation.complete(status, headersWith(res, writeHeadArgs))
      if (pending !== undefined) {
        this.phase = 'holding'
        const hooks = this.prototypeHooks
        hooks?.holdStarted()
        void pending.then(() => {
          this.phase = 'passing'
          for (const call of this.held?.splice(0) ?? []) (res[call.method] as Original).apply(res, call.args)
          hooks?.holdEnded()
        })
      }
    }
    if (ownField && res.hasHeader(LARDER_CACHE_CONTROL)) res.removeHeader(LARDER_CACHE_CONTROL)
    if (this.tagHeader !== undefined && res.hasHeader(this.tagHeader)) res.removeHeader(this.tagHeader)
  }

  /** The body `end` sends in place of the handler's, once `replaced`: none for a 304 or a HEAD. */
  replacementBody(res: ServerResponse): Uint8Array | undefined {
    const r = this.replaced!
    return r.notModified || res.req?.method === 'HEAD' ? undefined : r.entry.body
  }

  hold(method: Method, args: unknown[]): void {
    ;(this.held ??= []).push({ method, args })
  }
}

const RESPONSE_HEADERS: HeaderSource<ServerResponse> = {
  get: (res, name) => res.getHeader(name),
  all: (res) => res.getHeaders(),
}

/** Headers set through the response's own methods, so middleware that wraps setHeader sees them. */
export const RESPONSE_SINK: HeaderSink<ServerResponse> = {
  has: (res, name) => res.hasHeader(name),
  set: (res, name, value) => void res.setHeader(name, value),
}

/** The headers passed to `writeHead(status, [reason], headers)`, if any. */
function passedHeaders(args: unknown[] | undefined): object | undefined {
  if (args === undefined) return undefined
  const extra = typeof args[1] === 'string' ? args[2] : args[1]
  return extra === undefined || extra === null || typeof extra !== 'object' ? undefined : extra
}

/** Merges the headers passed to `writeHead(status, [reason], headers)` over those already set. */
function headersWith(res: ServerResponse, args: unknown[] | undefined): ResponseHeaders {
  const base = res.getHeaders()
  const extra = passedHeaders(args)
  if (extra === undefined) return base
  const merged: Record<string, number | string | string[] | undefined> = { ...base }
  if (Array.isArray(extra)) {
    // Either [[name, value], …] or a flat [name, value, name, value, …].
    const pairs: Array<[unknown, unknown]> = Array.isArray(extra[0]) ? (extra as Array<[unknown, unknown]>) : []
    if (pairs.length === 0) for (let i = 0; i + 1 < extra.length; i += 2) pairs.push([extra[i], extra[i + 1]])
    for (const [name, value] of pairs) merged[String(name).toLowerCase()] = value as string
  } else {
    for (const [name, value] of Object.entries(extra)) merged[name.toLowerCase()] = value as string
  }
  return merged
}

type WithLocals = ServerResponse & { locals?: Record<PropertyKey, unknown> }

const SLOT = Symbol('larder.state')

// Where a response's state is kept, for its hooks and for a later larder middleware to find. Two
// places, each for what the other cannot do cheaply or safely:
// - a symbol in res.locals, for reads hooked through the shared prototype: Express makes res.locals
//   a null-prototype object, which V8 keeps as a hash table, so adding to it changes no object's
//   shape, and a property on the response itself would take V8's slow path (Express gives every
//   response a new prototype). A handler that replaces res.locals (`res.locals = {…}` rather than
//   adding to it) loses such a state: that response is served but not stored.
// - a WeakMap keyed by the response, for the states that must survive whatever the handler does:
//   a mutation's (losing it would skip the invalidation) and that of a response hooked through its
//   own properties (the state holds the methods its hooks wrap). It costs each request that uses it
//   more, mostly in garbage collection (bench/README.md), so reads hooked through the prototype,
//   every cacheable miss, do not use it.
const KEPT = new WeakMap<ServerResponse, RequestState>()

/** The larder state of a response, if any; `locals`: its res.locals, where the caller has read it already. */
export function stateOf(res: ServerResponse, locals = (res as WithLocals).locals): RequestState | undefined {
  return (locals?.[SLOT] as RequestState | undefined) ?? KEPT.get(res)
}

/** Keeps `state` where stateOf finds it (see KEPT). */
export function keepState(res: ServerResponse, state: RequestState, locals = (res as WithLocals).locals): void {
  if (state.prototypeHooks === undefined || state.outcome.kind === 'mutation' || locals === undefined || locals === null) KEPT.set(res, state)
  else locals[SLOT] = state
}
