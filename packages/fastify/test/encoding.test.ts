import { encodingSuite, fastifyApps, memoryStores } from '@larder/testkit'

// Registered after larder, @fastify/compress's onSend hook runs after larder's: larder stores the response uncompressed.
encodingSuite(fastifyApps, memoryStores, 'after')
