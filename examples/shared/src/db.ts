import initSqlJs from 'sql.js'
import type { BindParams, Database, SqlJsStatic } from 'sql.js'

export interface User {
  id: number
  name: string
  email: string
}

export type UserInput = Omit<User, 'id'>

export interface UsersDbOptions {
  /** Artificial delay before every query, in ms, to make a slow database visible. Default 0. */
  queryDelayMs?: number
  /** Called with the SQL (for the Redis-backed database: the command) of every query as it runs (the examples count them). */
  onQuery?: (sql: string) => void
}

/** The users table. Every method is one query. */
export interface UsersDb {
  list(): Promise<User[]>
  get(id: number): Promise<User | undefined>
  create(input: UserInput): Promise<User>
  /** The updated user, or undefined when there is no such user. */
  update(id: number, input: UserInput): Promise<User | undefined>
  /** Whether a user was deleted. */
  remove(id: number): Promise<boolean>
  close(): void
}

/** The users every fresh database starts with (ids 1 to 4). */
export const SEED: readonly UserInput[] = [
  { name: 'Ada Lovelace', email: 'ada@example.com' },
  { name: 'Grace Hopper', email: 'grace@example.com' },
  { name: 'Alan Turing', email: 'alan@example.com' },
  { name: 'Edsger Dijkstra', email: 'edsger@example.com' },
]

const COLUMNS = 'id, name, email'

// The WASM module is loaded once per process; each database is a separate in-memory instance.
let sqlJs: Promise<SqlJsStatic> | undefined

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Runs every query of a database the same way, whatever the engine: after the optional delay, and
 * reported to `onQuery`. Checks `queryDelayMs` at once.
 */
export function queryRunner(options: UsersDbOptions): <T>(text: string, run: () => T | Promise<T>) => Promise<T> {
  const delay = options.queryDelayMs ?? 0
  if (!Number.isFinite(delay) || delay < 0) throw new TypeError(`queryDelayMs must be a number of ms, 0 or more; got ${String(delay)}`)
  return async (text, run) => {
    if (delay > 0) await sleep(delay)
    options.onQuery?.(text)
    return run()
  }
}

function rows(db: Database, sql: string, params: BindParams): User[] {
  const stmt = db.prepare(sql, params)
  try {
    const out: User[] = []
    while (stmt.step()) {
      const row = stmt.getAsObject()
      out.push({ id: Number(row.id), name: String(row.name), email: String(row.email) })
    }
    return out
  } finally {
    stmt.free()
  }
}

/** Opens a fresh in-memory database holding the seed users (ids 1 to 4). */
export async function openUsersDb(options: UsersDbOptions = {}): Promise<UsersDb> {
  const run = queryRunner(options)
  sqlJs ??= initSqlJs()
  const db = new (await sqlJs).Database()
  db.run('CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT NOT NULL)')
  for (const u of SEED) db.run('INSERT INTO users (name, email) VALUES (?, ?)', [u.name, u.email])

  const query = (sql: string, params: BindParams = null): Promise<User[]> => run(sql, () => rows(db, sql, params))

  return {
    list: () => query(`SELECT ${COLUMNS} FROM users ORDER BY id`),
    get: async (id) => (await query(`SELECT ${COLUMNS} FROM users WHERE id = ?`, [id]))[0],
    create: async (input) => {
      const [user] = await query(`INSERT INTO users (name, email) VALUES (?, ?) RETURNING ${COLUMNS}`, [input.name, input.email])
      if (user === undefined) throw new Error('INSERT returned no row')
      return user
    },
    update: async (id, input) => (await query(`UPDATE users SET name = ?, email = ? WHERE id = ? RETURNING ${COLUMNS}`, [input.name, input.email, id]))[0],
    remove: async (id) => (await query(`DELETE FROM users WHERE id = ? RETURNING ${COLUMNS}`, [id])).length > 0,
    close: () => db.close(),
  }
}
