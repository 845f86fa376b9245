import { expressApps, memoryStores, resourcesSuite } from '@larder/testkit'

resourcesSuite(expressApps, memoryStores)
