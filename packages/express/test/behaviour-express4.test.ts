import { behaviourSuite, express4Apps, memoryStores } from '@larder/testkit'

// Express 4 is supported too: the same suite against a real Express 4 app.
behaviourSuite(express4Apps, memoryStores)
