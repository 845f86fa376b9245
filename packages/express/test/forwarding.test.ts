import { express4Apps, expressApps, forwardingSecuritySuite, memoryStores, routedPathSuite } from '@larder/testkit'

// Express 4 too: its hostname, which larder keyed before, drops the port.
for (const apps of [expressApps, express4Apps]) {
  forwardingSecuritySuite(apps, memoryStores)
  routedPathSuite(apps, memoryStores)
}
