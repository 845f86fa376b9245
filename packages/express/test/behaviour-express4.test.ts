import { behaviourSuite, express4Apps, memoryStores } from '@larder/testkit'
import { expect, it } from 'vitest'

// Express 4 announces deprecated calls as process 'deprecation' events when someone listens. Its
// req.host is one, and the check behind it captures a stack trace per call: larder must not use it.
const larderDeprecations: string[] = []
process.on('deprecation', (err: Error) => {
  if (/packages[\\/]express[\\/](src|dist)/.test(err.stack ?? '')) larderDeprecations.push(err.message)
})

// Express 4 is supported too: the same suite against a real Express 4 app.
behaviourSuite(express4Apps, memoryStores)

it('larder calls nothing Express 4 deprecates', () => {
  expect(larderDeprecations).toEqual([])
})
