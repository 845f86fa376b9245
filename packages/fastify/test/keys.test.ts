import { fastifyApps, keyCollisionSuite, memoryStores } from '@larder/testkit'

keyCollisionSuite(fastifyApps, memoryStores)
