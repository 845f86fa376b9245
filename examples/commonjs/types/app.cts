// Type-checked by the CommonJS test with Node's own module resolution (`require` condition), so the
// .d.cts declarations are what is checked, not the sources.
import express = require('express')
import core = require('@larder/core')
import larderExpress = require('@larder/express')
import larderFastify = require('@larder/fastify')
import larderRedis = require('@larder/redis')
import adapterEntry = require('@larder/core/adapter')
import storeEntry = require('@larder/core/store')

const cache: core.Cache = core.createCache({ ttl: '5m', statuses: [200, 404] })
const app = express()
app.use(larderExpress.larder(cache))
app.get('/users/:id', larderExpress.larder(cache, { tags: (req) => [`user:${req.params['id']}`] }), (_req, res) => {
  res.json({})
})
const plugin: typeof larderFastify.larderPlugin = larderFastify.default
const options: larderFastify.LarderPluginOptions = { cache, global: false }
const makeStore: typeof larderRedis.redisStore = larderRedis.redisStore
const labels: typeof adapterEntry.OUTCOME_LABELS = adapterEntry.OUTCOME_LABELS
const storeError: typeof storeEntry.StoreTimeoutError = storeEntry.StoreTimeoutError
export { plugin, options, makeStore, labels, storeError }
// A CommonJS store package's test file: the suite's types resolve through the require condition.
type StoreContract = typeof import('@larder/store-tests').describeStoreContract
const contractOptions: Parameters<StoreContract>[2] = { expiry: { ttlMs: 1000, waitMs: 2500 } }
export type { StoreContract }
export { contractOptions }
