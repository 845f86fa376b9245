import { defineConfig } from 'tsup'
import shared from '../../tsup.package.js'

// Three entries, one per audience; shared code goes into chunks both formats load once, so an
// error class is the same class whichever entry a program imports it from.
export default defineConfig({ ...shared, entry: ['src/index.ts', 'src/adapter.ts', 'src/store.ts'], splitting: true })
