import { describeStoreContract } from '@larder/store-tests'
import { MapStore } from '../src/map-store.js'

describeStoreContract('map', () => new MapStore())
