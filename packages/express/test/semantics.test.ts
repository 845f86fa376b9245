import { expressApps, memoryStores, semanticsSuite } from '@larder/testkit'

semanticsSuite(expressApps, memoryStores)
