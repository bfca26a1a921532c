/**
 * Sync fan-out latency (DESIGN.md budget: p99 ≤ 50 ms with 50 clients in a room, loopback):
 * the real server in-process, 50 real y-websocket clients in one room; one client writes,
 * every other client records when the update arrives.
 */
import { performance } from 'node:perf_hooks';
import {
  login,
  openClient,
  startTestServer,
  tempDataDir,
  waitFor,
  type TestClient,
} from '../sync-server/app/testHarness';

export interface FanoutResult {
  clients: number;
  updates: number;
  p50: number;
  p99: number;
  max: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export async function benchFanout(clientCount = 50, updateCount = 200): Promise<FanoutResult> {
  const data = await tempDataDir();
  const server = await startTestServer(data.dir, { createDemoAccount: false });
  try {
    await server.admin.addAgent({
      commune: '13001',
      email: 'bench@mairie.fr',
      password: 'Banc-de-mesure-2026!',
      role: 'agent',
      displayName: 'Banc de mesure',
    });
    const { accessToken } = await login(server, 'bench@mairie.fr', 'Banc-de-mesure-2026!');
    const clients: TestClient[] = [];
    for (let i = 0; i < clientCount; i++) clients.push(openClient(server, '13001/site', accessToken));
    await waitFor(() => clients.every((c) => c.provider.synced), 'all clients synced', 30_000);

    const sentAt = new Map<number, number>();
    const latencies: number[] = [];
    for (const client of clients.slice(1)) {
      client.doc.getMap('bench').observe((event) => {
        const now = performance.now();
        for (const key of event.keysChanged) {
          const sent = sentAt.get(Number(key));
          if (sent !== undefined) latencies.push(now - sent);
        }
      });
    }
    const writer = clients[0]!;
    const map = writer.doc.getMap('bench');
    for (let i = 0; i < updateCount; i++) {
      sentAt.set(i, performance.now());
      writer.doc.transact(() => map.set(String(i), i), 'bench');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const expected = updateCount * (clientCount - 1);
    await waitFor(() => latencies.length >= expected, 'every update delivered', 60_000);
    for (const client of clients) client.destroy();
    const sorted = latencies.sort((a, b) => a - b);
    return {
      clients: clientCount,
      updates: updateCount,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? NaN,
    };
  } finally {
    await server.close();
    await data.remove();
  }
}
