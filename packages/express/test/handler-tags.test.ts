import { expressApps, handlerTagsSuite, memoryStores } from '@larder/testkit'

handlerTagsSuite(expressApps, memoryStores)
