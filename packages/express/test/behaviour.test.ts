import { behaviourSuite, expressApps, memoryStores } from '@larder/testkit'

behaviourSuite(expressApps, memoryStores)
