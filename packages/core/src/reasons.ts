import { debuglog } from 'node:util'
import type { Logger, RequestInfo } from './types.js'

// Printed with NODE_DEBUG=larder when the adapter has no logger of its own (Express).
const nodeDebug = debuglog('larder')

/**
 * Tells why a request bypassed the cache, or why its response was not stored: through the
 * request's logger at debug level where the framework has one (Fastify), else Node's debug log.
 * Nothing is formatted unless someone listens.
 */
export function logReason(logger: Logger | undefined, what: 'bypass' | 'not stored' | 'stored stale', reason: string, info: RequestInfo): void {
  if (logger !== undefined) {
    // Only a logger that can say it is at debug level (pino's isLevelEnabled): Fastify's logger when
    // logging is off has none, and a message built for it on every refused miss would be thrown away.
    if (logger.debug !== undefined && logger.isLevelEnabled?.('debug') === true) logger.debug({ larder: what, reason }, `larder: ${what} (${reason})`)
  } else if (nodeDebug.enabled) nodeDebug('%s %s %s (%s)', what, info.method, info.url, reason)
}
