import { fastifyApps, memoryStores, policySuite } from '@larder/testkit'

policySuite(fastifyApps, memoryStores)
