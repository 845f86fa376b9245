import { express4Apps, expressApps, httpSemanticsSuite, memoryStores } from '@larder/testkit'

httpSemanticsSuite(expressApps, memoryStores)
// Express 4 routes custom methods and sends bodies its own way too.
httpSemanticsSuite(express4Apps, memoryStores)
