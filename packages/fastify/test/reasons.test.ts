import { fastifyApps, memoryStores, reasonsSuite } from '@larder/testkit'

reasonsSuite(fastifyApps, memoryStores)
