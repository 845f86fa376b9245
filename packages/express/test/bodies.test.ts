import { bodiesSuite, express4Apps, expressApps, memoryStores } from '@larder/testkit'

bodiesSuite(expressApps, memoryStores)
bodiesSuite(express4Apps, memoryStores)
