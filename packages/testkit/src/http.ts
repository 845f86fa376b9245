import { request } from 'undici'

export interface Response {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  text: string
  cache: string | undefined
  json<T = any>(): T
}

export interface RequestOptions {
  /** Any method in Node's `http.METHODS` (default GET). */
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | (string & {})
  headers?: Record<string, string>
  body?: string
}

/** One real HTTP request (undici), body read to the end. */
export async function fetchFrom(base: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const res = await request(base + path, { method: options.method ?? 'GET', headers: options.headers, body: options.body })
  const body = Buffer.from(await res.body.arrayBuffer())
  const headers = res.headers as Record<string, string | string[] | undefined>
  const xcache = headers['x-cache']
  return {
    status: res.statusCode,
    headers,
    body,
    text: body.toString('utf8'),
    cache: Array.isArray(xcache) ? xcache.join(',') : xcache,
    json: () => JSON.parse(body.toString('utf8')),
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
