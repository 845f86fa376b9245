import { encodingSuite, express4Apps, expressApps, memoryStores } from '@larder/testkit'

// Registered before larder, compression() wraps larder's view of the response: larder stores it uncompressed.
encodingSuite(expressApps, memoryStores, 'before')
encodingSuite(express4Apps, memoryStores, 'before')
