import express, { type Request } from 'express'
import { createCache, memoryStore } from '@larder/core'
import { larder } from '@larder/express'

const users = new Map([['42', { id: '42', name: 'Ada' }]]) // stands in for your database
type UserRequest = Request<{ id: string }> // the request larder's option functions receive

const cache = createCache({ store: memoryStore({ maxBytes: 64 * 1024 * 1024 }), ttl: '5m' })
const app = express()
app.use(express.json())
app.use(larder(cache)) // every GET/HEAD cacheable, every successful mutation invalidates

app.get('/users/:id', larder<UserRequest>(cache, { ttl: '1h', tags: (req) => [`user:${req.params.id}`] }), (req, res) => {
  const user = users.get(req.params.id)
  if (user === undefined) res.status(404).json({ error: 'no such user' })
  else res.json(user)
})
app.put('/users/:id', larder<UserRequest>(cache, { invalidates: (req) => [`user:${req.params.id}`] }), (req, res) => {
  users.set(req.params.id, { id: req.params.id, name: String(req.body.name) })
  res.json(users.get(req.params.id))
})
app.get('/live', larder(cache, false), (_req, res) => {
  res.json({ now: Date.now() }) // opted out: never cached
})

const port = Number(process.env.PORT ?? 3000)
app.listen(port, () => console.log(`http://localhost:${port}/users/42`))
