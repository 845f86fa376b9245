// @larder/core/adapter, for adapter authors: what it takes to plug the cache into a framework
// (see "Writing an adapter" in the README). Adapters never construct Fill or Mutation: a cache's
// `handle` hands them out in its outcomes.
export { OUTCOME_LABELS, type Cache } from './cache.js'
export { outcomeReason, type BypassOutcome, type HitOutcome, type MissOutcome, type MutationOutcome, type Outcome, type PassOutcome } from './outcome.js'
export type { Fill } from './fill.js'
export type { Mutation } from './mutation.js'
export type { RouteOptions, ResolvedRoute, ResolvedCacheConfig } from './options.js'
export { askForWholeResponse, restoreRequest } from './conditional.js'
export { requestDirectives, type RequestDirectives } from './policy.js'
export { LARDER_CACHE_CONTROL } from './headers.js'
export type { Replacement } from './fill.js'
export { isUnsafeMethod } from './methods.js'
export { answerRange, type RangeAnswer } from './range.js'
export { connectionClosed, type NodeResponse } from './connection.js'
export { replayHeaders } from './replay.js'
export { LarderError, LarderOptionError, show } from './errors.js'
export type { CacheEntry, HeaderSink, HeaderSource, HeaderValue, Logger, MaybePromise, RequestHeaders, RequestInfo, ResponseHeaders } from './types.js'
