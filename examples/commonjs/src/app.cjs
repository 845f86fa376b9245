// larder in a CommonJS application: each package is loaded with require() (its "require" export,
// dist/index.cjs, built by `pnpm build`). Prints one line per request and exits; the test runs it.
'use strict'
const { createCache, LarderOptionError } = require('@larder/core')
const { larder } = require('@larder/express')
const larderPlugin = require('@larder/fastify').default
const { redisStore } = require('@larder/redis')
const adapterEntry = require('@larder/core/adapter')
const storeEntry = require('@larder/core/store')
const express = require('express')
const Fastify = require('fastify')
const { createClient } = require('redis')

async function get(url) {
  const res = await fetch(url)
  return `${res.headers.get('x-cache')} ${await res.text()}`
}

async function main() {
  // Express
  const app = express()
  app.use(larder(createCache({ ttl: '1m' })))
  app.get('/hello', (req, res) => res.json({ hello: 'express' }))
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const expressUrl = `http://127.0.0.1:${server.address().port}/hello`
  console.log('express', await get(expressUrl))
  console.log('express', await get(expressUrl))
  server.close()

  // Fastify
  const fastify = Fastify()
  await fastify.register(larderPlugin, { cache: createCache({ ttl: '1m' }) })
  fastify.get('/hello', async () => ({ hello: 'fastify' }))
  const fastifyUrl = await fastify.listen({ port: 0, host: '127.0.0.1' })
  console.log('fastify', await get(`${fastifyUrl}/hello`))
  console.log('fastify', await get(`${fastifyUrl}/hello`))
  await fastify.close()

  // Redis: building the store checks its options; no server is needed for that.
  const store = redisStore({ client: createClient() })
  console.log('redis', store.name)

  // Errors are the same classes as for ESM users.
  try {
    createCache({ ttl: 'soon' })
  } catch (err) {
    console.log('error', err instanceof LarderOptionError)
  }
  // The adapter and store entries share the application entry's classes: one error is one class.
  console.log('entries', adapterEntry.LarderOptionError === LarderOptionError && storeEntry.LarderOptionError === LarderOptionError)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
