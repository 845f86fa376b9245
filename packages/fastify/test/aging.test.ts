import { agingSuite, fastifyApps, memoryStores } from '@larder/testkit'

agingSuite(fastifyApps, memoryStores)
