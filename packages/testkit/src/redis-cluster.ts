import { execFile } from 'node:child_process'
import { freePort, RedisServer, redisCli, sleepMs } from './redis-server.js'

/**
 * A real Redis Cluster of `masters` redis-server processes on free local ports (each with its bus
 * port free too), created with `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes`.
 * `start` resolves when every node reports `cluster_state:ok` and knows every node.
 */
export class RedisCluster {
  private constructor(readonly nodes: readonly RedisServer[]) {}

  static async start(masters = 3): Promise<RedisCluster> {
    const nodes: RedisServer[] = []
    try {
      for (let i = 0; i < masters; i++) {
        nodes.push(await RedisServer.start({ port: await freePort({ bus: true }), args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000'] }))
      }
      const cluster = new RedisCluster(nodes)
      await cluster.create()
      return cluster
    } catch (e) {
      await Promise.all(nodes.map((n) => n.destroy()))
      throw e
    }
  }

  /** For `createCluster({ rootNodes })`. */
  get rootNodes(): Array<{ url: string }> {
    return this.nodes.map((n) => ({ url: n.url }))
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.destroy()))
  }

  /** The master serving a key name's slot (CLUSTER KEYSLOT, then the slot ranges of CLUSTER NODES). */
  async nodeFor(key: string): Promise<RedisServer> {
    const first = this.nodes[0]!
    const slot = Number(await first.cli('CLUSTER', 'KEYSLOT', key))
    for (const line of (await first.cli('CLUSTER', 'NODES')).split('\n')) {
      const parts = line.trim().split(' ')
      const port = Number(parts[1]?.split('@')[0]?.split(':')[1])
      for (const range of parts.slice(8)) {
        const [lo, hi] = range.split('-').map(Number)
        if (lo !== undefined && slot >= lo && slot <= (hi ?? lo)) {
          const node = this.nodes.find((n) => n.port === port)
          if (node) return node
        }
      }
    }
    throw new Error(`no node serves slot ${slot}`)
  }

  private async create(): Promise<void> {
    const addresses = this.nodes.map((n) => `${n.host}:${n.port}`)
    await new Promise<void>((resolve, reject) => {
      execFile('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`redis-cli --cluster create failed: ${error.message}\n${stdout}\n${stderr}`))
        else resolve()
      })
    })
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      const infos = await Promise.all(this.nodes.map((n) => redisCli(n.port, ['CLUSTER', 'INFO']).catch(() => '')))
      if (infos.every((info) => info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${this.nodes.length}`))) return
      await sleepMs(100)
    }
    throw new Error('the cluster did not reach cluster_state:ok within 30s')
  }
}
