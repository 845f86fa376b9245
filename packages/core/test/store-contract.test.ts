import { memoryStore } from '@larder/core'
import { describeStoreContract } from '@larder/store-tests'

// The reference store keeps the contract every store is held to (@larder/store-tests).
describeStoreContract('memory', () => memoryStore())
