import { startProxy } from './proxies.js'
import { ADAPTERS } from './rows.js'
import { runClient, startOrigin, type RawResult } from './suite.js'

/** A result with what differs between any two runs (test UUIDs, HTTP dates) taken out. */
function normalise(r: RawResult | undefined): string {
  if (r === undefined) return 'not run'
  if (r === true) return 'pass'
  return r
    .join(': ')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT/g, '<date>')
}

/**
 * The proxy's own check: the suite run straight against its origin, and through each adapter's
 * relay without larder. A transparent proxy changes no result, except where the origin closes the
 * connection on purpose: the client then sees a fetch error, the proxy's client a 502.
 */
export async function relayCheck(copy: string, ids: Set<string> | undefined): Promise<string[]> {
  const run = async (adapter: (typeof ADAPTERS)[number] | undefined) => {
    const origin = await startOrigin(copy)
    try {
      if (adapter === undefined) return await runClient(copy, origin.url, ids)
      const proxy = await startProxy(adapter, false, origin.url)
      try {
        return await runClient(copy, proxy.url, ids)
      } finally {
        await proxy.close()
      }
    } finally {
      await origin.stop()
    }
  }
  const [direct, ...relayed] = await Promise.all([run(undefined), ...ADAPTERS.map(run)])
  const lines: string[] = []
  for (const [i, adapter] of ADAPTERS.entries()) {
    for (const id of Object.keys(direct!)) {
      const want = normalise(direct![id])
      const got = normalise(relayed[i]![id])
      if (want === got) continue
      const why = want === 'TypeError: fetch failed' ? ' (origin closed the connection: the proxy answers 502)' : ''
      lines.push(`${adapter} relay: ${id}: direct "${want}", relayed "${got}"${why}`)
    }
  }
  return lines
}
