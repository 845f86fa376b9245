import { express4Apps, expressApps, keyCollisionSuite, memoryStores } from '@larder/testkit'

// Both query parser settings on both Express versions: 'simple' is Express 5's default, 'extended' Express 4's.
keyCollisionSuite(expressApps, memoryStores, ['simple', 'extended'])
keyCollisionSuite(express4Apps, memoryStores, ['simple', 'extended'])
