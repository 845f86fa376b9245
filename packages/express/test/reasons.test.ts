import { expressApps, memoryStores, reasonsSuite } from '@larder/testkit'

reasonsSuite(expressApps, memoryStores)
