import { expressApps, memoryStores, securitySuite } from '@larder/testkit'

securitySuite(expressApps, memoryStores)
