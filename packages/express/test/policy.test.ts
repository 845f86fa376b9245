import { express4Apps, expressApps, memoryStores, policySuite } from '@larder/testkit'

policySuite(expressApps, memoryStores)
// The global larder runs before Express 4's router too: client directives must find their route there as well.
policySuite(express4Apps, memoryStores)
