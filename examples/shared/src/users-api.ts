import type { AddressInfo } from 'node:net'
import type { Cache } from '@larder/core'
import type { UserInput, UsersDb, UsersDbOptions } from './db.js'

/** What both examples' `createApp` take. */
export interface AppOptions extends UsersDbOptions {
  cache: Cache
  /**
   * Opens the app's database: default `openUsersDb` (SQLite in memory, this process only). The
   * Redis-backed database of redis-db.ts is one database shared by every process using it.
   */
  openDb?: (options: UsersDbOptions) => Promise<UsersDb>
}

/** What both examples' `startApp` take: the app options plus where to listen. */
export interface ListenOptions extends AppOptions {
  /** Default 0: any free port. */
  port?: number
  /** Default '127.0.0.1'. */
  host?: string
}

export interface RunningApp {
  /** e.g. http://127.0.0.1:3000 */
  url: string
  /** Stops the server and closes the database (not the cache: whoever created it closes it). */
  close(): Promise<void>
}

/** The URL of a listening server, from `server.address()`. */
export function urlOf(address: AddressInfo | string | null): string {
  if (address === null || typeof address === 'string') throw new Error(`expected a TCP address, got ${String(address)}`)
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}`
}

/** A response described independently of the framework: each example turns it into its own calls. */
export interface Reply {
  status: number
  body?: unknown
  location?: string
}

/** `/users/42` and `/users/042` are the same user: ids are parsed, so tags are the same too. */
export function parseId(raw: unknown): number | undefined {
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) return undefined
  const id = Number(raw)
  return id > 0 ? id : undefined
}

export function userTag(id: number): string {
  return `user:${id}`
}

/**
 * The tags of the user a request names by its `:id` route parameter: `tags` on the read route,
 * `invalidates` on the write routes. Works with Express's and Fastify's request alike.
 */
export function userTags(req: { params: unknown }): string[] {
  const id = parseId((req.params as Record<string, unknown> | undefined)?.id)
  return id === undefined ? [] : [userTag(id)]
}

function parseInput(body: unknown): UserInput | string {
  const b = body as Partial<Record<keyof UserInput, unknown>> | null | undefined
  if (b === null || typeof b !== 'object' || Array.isArray(b)) return 'expected a JSON object such as {"name": "Ada", "email": "ada@example.com"}'
  for (const field of ['name', 'email'] as const) {
    const v = b[field]
    if (typeof v !== 'string' || v.trim() === '') return `"${field}" must be a non-empty string`
  }
  return { name: String(b.name).trim(), email: String(b.email).trim() }
}

const notFound = (raw: unknown): Reply => ({ status: 404, body: { error: `no user ${String(raw)}` } })
const invalid = (message: string): Reply => ({ status: 400, body: { error: message } })

/** The five handlers of the users API, over `db`. The examples route requests to them. */
export function usersApi(db: UsersDb) {
  return {
    list: async (): Promise<Reply> => ({ status: 200, body: await db.list() }),

    get: async (rawId: unknown): Promise<Reply> => {
      const id = parseId(rawId)
      const user = id === undefined ? undefined : await db.get(id)
      return user === undefined ? notFound(rawId) : { status: 200, body: user }
    },

    create: async (body: unknown): Promise<Reply> => {
      const input = parseInput(body)
      if (typeof input === 'string') return invalid(input)
      const user = await db.create(input)
      return { status: 201, body: user, location: `/users/${user.id}` }
    },

    update: async (rawId: unknown, body: unknown): Promise<Reply> => {
      const id = parseId(rawId)
      if (id === undefined) return notFound(rawId)
      const input = parseInput(body)
      if (typeof input === 'string') return invalid(input)
      const user = await db.update(id, input)
      return user === undefined ? notFound(rawId) : { status: 200, body: user }
    },

    remove: async (rawId: unknown): Promise<Reply> => {
      const id = parseId(rawId)
      const removed = id !== undefined && (await db.remove(id))
      return removed ? { status: 204 } : notFound(rawId)
    },
  }
}

export type UsersApi = ReturnType<typeof usersApi>
