import { fastifyApps, handlerTagsSuite, memoryStores } from '@larder/testkit'

handlerTagsSuite(fastifyApps, memoryStores)
