import { fastifyApps, forwardingSecuritySuite, memoryStores, routedPathSuite } from '@larder/testkit'

forwardingSecuritySuite(fastifyApps, memoryStores)
routedPathSuite(fastifyApps, memoryStores)
