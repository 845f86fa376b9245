import { fastifyApps, httpSemanticsSuite, memoryStores } from '@larder/testkit'

httpSemanticsSuite(fastifyApps, memoryStores)
