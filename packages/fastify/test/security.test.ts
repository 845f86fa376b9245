import { fastifyApps, memoryStores, securitySuite } from '@larder/testkit'

securitySuite(fastifyApps, memoryStores)
