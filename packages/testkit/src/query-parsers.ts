import { createRequire } from 'node:module'

/** One way a supported framework turns a request URL into the `query` its handlers read. */
export interface QueryParser {
  name: string
  parse(url: string): unknown
}

const here = createRequire(import.meta.url)

/** `require` as seen from inside the installed package `name` (resolved from `from`), so each
 *  framework's own dependencies are the ones loaded, whatever versions the workspace holds. */
function requireFrom(from: NodeRequire, name: string): NodeRequire {
  return createRequire(from.resolve(name))
}

// Express reads `parseurl(req).query` (which re-parses URLs holding '#' or whitespace) and hands
// it to the function behind its 'query parser' setting.
function express(name: string, pkg: string, mode: 'simple' | 'extended'): QueryParser {
  const fromExpress = requireFrom(here, pkg)
  const app = here(pkg)()
  app.set('query parser', mode)
  const parseQuery = app.get('query parser fn') as (query: string | null | undefined) => unknown
  const parseurl = fromExpress('parseurl') as (req: { url: string }) => { query?: string | null }
  return { name: `${name} '${mode}'`, parse: (url) => parseQuery(parseurl({ url }).query) }
}

// Fastify's router splits the URL and parses the query with its default querystring parser.
function fastify(): QueryParser {
  const FindMyWay = requireFrom(here, 'fastify')('find-my-way')
  const router = FindMyWay()
  router.on('GET', '/*', () => undefined)
  return {
    name: 'fastify',
    parse: (url) => {
      const found = router.find('GET', url) as { searchParams: unknown } | null
      if (found === null) throw new Error(`fastify's router rejects ${url}`)
      return found.searchParams
    },
  }
}

/** The query parsers of every framework and setting larder supports, each loaded from that framework's own dependencies. */
export function queryParsers(): QueryParser[] {
  return [
    fastify(),
    express('express 5', 'express', 'simple'),
    express('express 5', 'express', 'extended'),
    express('express 4', 'express4', 'simple'),
    express('express 4', 'express4', 'extended'),
  ]
}

/**
 * What a handler can tell apart, as a string: top-level parameter order is not part of it (handlers
 * read parameters by name), everything below the top level is, in order (arrays, and the key order
 * of qs's nested objects).
 */
export function handlerView(query: unknown): string {
  if (query === null || typeof query !== 'object') return JSON.stringify(query)
  const q = query as Record<string, unknown>
  return JSON.stringify(Object.keys(q).sort().map((k) => [k, q[k]]))
}
