import { behaviourSuite, fastifyApps, memoryStores } from '@larder/testkit'

behaviourSuite(fastifyApps, memoryStores)
