import { fastifyApps, memoryStores, resourcesSuite } from '@larder/testkit'

resourcesSuite(fastifyApps, memoryStores)
