/**
 * The one route every scenario measures: a JSON user record of about 1 KB, served by an "origin"
 * (the handler) that counts its calls and may wait like a database query would.
 */
import { createHash } from 'node:crypto'

const ROLES = ['admin', 'editor', 'viewer', 'billing', 'support']

/** The record for one id: stable content, about 1 KB of JSON; `version` counts the writes to it. */
export function userRecord(id: string, version = 0): Record<string, unknown> {
  const n = Number.parseInt(id, 10) || 0
  return {
    id,
    version,
    username: `user${id}`,
    name: `Ada Lovelace ${id}`,
    email: `user${id}@example.com`,
    roles: ROLES.slice(0, 1 + (n % ROLES.length)),
    createdAt: '2024-03-01T12:00:00.000Z',
    updatedAt: '2025-11-20T08:30:00.000Z',
    address: { street: '12 Analytical Engine Row', city: 'London', postcode: 'SW1A 1AA', country: 'GB' },
    preferences: { theme: 'dark', language: 'en-GB', timezone: 'Europe/London', newsletter: n % 2 === 0, notifications: { email: true, sms: false, push: true } },
    bio: 'Mathematician and writer, chiefly known for her work on the proposed mechanical general-purpose computer, the Analytical Engine. '.repeat(4).trim(),
    stats: { posts: 1000 + n, followers: 5000 + n, following: 42 },
  }
}

export const CONTENT_TYPE = 'application/json; charset=utf-8'

/** The prebuilt body the ceiling servers answer with (what a hit of /users/1 replays). */
export const PREBUILT = Buffer.from(JSON.stringify(userRecord('1')))

/** The headers a larder hit adds to the record's Content-Type (ETag as larder derives one, Age, X-Cache). */
export const HIT_HEADERS = { etag: `"${createHash('sha1').update(PREBUILT).digest('base64url')}"`, age: '0', 'x-cache': 'HIT' } as const


const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Simulated database time by path prefix: the same server serves every scenario, `/users/:id`
 * instantly, `/slow/users/:id` as if after a 20 ms query, `/stampede/users/:id` after 100 ms.
 */
export const PREFIXES = { '': 0, '/slow': 20, '/stampede': 100 } as const

/** The simulated database behind the routes, counting every call. */
export class Origin {
  reads = 0
  writes = 0

  get calls(): number {
    return this.reads + this.writes
  }

  // Like a database: a read returns the version committed when it started, a write commits when it ends.
  private readonly versions = new Map<string, number>()

  async read(id: string, delayMs: number): Promise<Record<string, unknown>> {
    this.reads++
    const version = this.versions.get(id) ?? 0
    if (delayMs > 0) await sleep(delayMs)
    return userRecord(id, version)
  }

  async write(id: string, delayMs: number): Promise<Record<string, unknown>> {
    this.writes++
    if (delayMs > 0) await sleep(delayMs)
    const version = (this.versions.get(id) ?? 0) + 1
    this.versions.set(id, version)
    return userRecord(id, version)
  }

  reset(): void {
    this.reads = this.writes = 0
  }
}
