import { agingSuite, expressApps, memoryStores } from '@larder/testkit'

agingSuite(expressApps, memoryStores)
