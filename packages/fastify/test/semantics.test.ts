import { fastifyApps, memoryStores, semanticsSuite } from '@larder/testkit'

semanticsSuite(fastifyApps, memoryStores)
