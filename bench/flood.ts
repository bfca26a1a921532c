/**
 * DESIGN.md budget « a relecteur flooding sync step 1 on a large page: server memory flat
 * (< 150 MiB growth), /healthz < 1 s » (issue #9, finding 1). Our server as a child process
 * (bench/server.ts, rate limits lifted: what is measured is the backpressure, not the rate
 * limit); a 9 MiB page; a relecteur whose socket never reads sends 1,070 sync step 1 of 4
 * bytes, 10 every 20 ms, while /healthz is polled and the server's RSS sampled until it
 * settles. Past CEILING_BYTES of growth the attack stops (the server before the fix would take
 * the machine's memory): the line then says so. Finally SIGTERM: does the process stop?
 */
import { performance } from 'node:perf_hooks';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { LoginResponse } from '../site/apiContract';
import { MESSAGE_PERSISTED_ACK, MESSAGE_SYNC, SUBPROTOCOL } from '../site/syncProtocol';
import { rssBytes, startTarget } from './server';

const PAGE_BYTES = 9 * 2 ** 20;
const MESSAGES = 1070;
const CEILING_BYTES = 1.5 * 2 ** 30;
const PASSWORD = 'Relecture-du-Vieux-Port-2026';

export interface FloodBenchResult {
  sent: number;
  baselineBytes: number;
  peakGrowthBytes: number;
  /** True when the attack was stopped because the growth passed CEILING_BYTES. */
  stoppedAtCeiling: boolean;
  healthzMaxMs: number;
  /** Close code the attacker's socket got, if the server closed it. */
  closeCode: number | null;
  /** Seconds from SIGTERM to exit; null when it had to be killed. */
  sigtermSeconds: number | null;
  failure?: string;
}

function syncMessage(subtype: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  encoding.writeVarUint(e, subtype);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

function openSocket(port: number, room: string, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/sync/${room}`, [SUBPROTOCOL, token]);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function api(port: number, path: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

/** Writes the large page as the demo référent; resolves once the server acknowledged it. */
async function writePage(port: number, room: string, token: string): Promise<void> {
  const ws = await openSocket(port, room, token);
  const acked = new Promise<void>((resolve) =>
    ws.on('message', (m: Buffer) => {
      if (m[0] === MESSAGE_PERSISTED_ACK) resolve();
    }),
  );
  const doc = new Y.Doc();
  doc.getText('t').insert(0, 'Délibération du conseil municipal. '.repeat(Math.ceil(PAGE_BYTES / 36)));
  ws.send(syncMessage(syncProtocol.messageYjsUpdate, Y.encodeStateAsUpdate(doc)));
  await acked;
  ws.close();
}

export async function benchFlood(): Promise<FloodBenchResult> {
  const target = await startTarget('usine');
  const pid = target.child.pid;
  const result: FloodBenchResult = {
    sent: 0,
    baselineBytes: NaN,
    peakGrowthBytes: NaN,
    stoppedAtCeiling: false,
    healthzMaxMs: NaN,
    closeCode: null,
    sigtermSeconds: null,
  };
  let attacker: WebSocket | null = null;
  try {
    const referent = target.protocols[1]!;
    const created = await api(
      target.port,
      '/api/communes/13001/agents',
      { email: 'relecteur@bench.fr', role: 'relecteur', password: PASSWORD },
      referent,
    );
    if (created.status >= 300) throw new Error(`relecteur not created: ${created.status}`);
    const session = (await (
      await api(target.port, '/api/auth/login', { email: 'relecteur@bench.fr', password: PASSWORD })
    ).json()) as LoginResponse;
    const room = '13001/page/benchflood';
    await writePage(target.port, room, referent);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    result.baselineBytes = rssBytes(pid);
    let peak = result.baselineBytes;
    /** The server's RSS now; the peak is kept. */
    const sample = () => {
      const now = rssBytes(pid);
      peak = Math.max(peak, now);
      return now;
    };

    attacker = await openSocket(target.port, room, session.accessToken);
    attacker.on('close', (code) => (result.closeCode = code));
    attacker.on('error', () => {});
    (attacker as unknown as { _socket: { pause(): void } })._socket.pause();

    let attacking = true;
    let healthzMax = 0;
    const probe = (async () => {
      while (attacking) {
        const started = performance.now();
        try {
          await fetch(`http://127.0.0.1:${target.port}/healthz`, { signal: AbortSignal.timeout(60_000) });
        } catch {
          // counted as the time waited
        }
        healthzMax = Math.max(healthzMax, performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const step1 = syncMessage(syncProtocol.messageYjsSyncStep1, Y.encodeStateVector(new Y.Doc()));
    while (result.sent < MESSAGES && attacker.readyState === WebSocket.OPEN) {
      for (let i = 0; i < 10 && result.sent < MESSAGES; i++, result.sent++) attacker.send(step1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (sample() - result.baselineBytes > CEILING_BYTES) {
        result.stoppedAtCeiling = true;
        break;
      }
    }
    // The server may still be answering what it received: watched until its RSS has not grown
    // by more than 16 MiB for 3 s, the ceiling is passed, or 60 s.
    const deadline = Date.now() + 60_000;
    let settled = { at: Date.now(), bytes: sample() };
    while (!result.stoppedAtCeiling && Date.now() < deadline && Date.now() - settled.at < 3000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const now = sample();
      if (now - settled.bytes > 16 * 2 ** 20) settled = { at: Date.now(), bytes: now };
      if (now - result.baselineBytes > CEILING_BYTES) result.stoppedAtCeiling = true;
    }
    attacking = false;
    await probe;
    result.peakGrowthBytes = peak - result.baselineBytes;
    result.healthzMaxMs = healthzMax;
    // SIGTERM with the non-reading socket still open: stopChild kills after 10 s.
    const started = performance.now();
    let killed = false;
    target.child.once('exit', (_code, signal) => (killed = signal === 'SIGKILL'));
    await target.stop();
    result.sigtermSeconds = killed ? null : (performance.now() - started) / 1000;
  } catch (error) {
    result.failure = error instanceof Error ? error.message.split('\n')[0] : String(error);
    await target.stop();
  } finally {
    attacker?.terminate();
  }
  return result;
}

const mib = (v: number) => `${(v / 2 ** 20).toFixed(0)} MiB`;

export function formatFloodBench(r: FloodBenchResult): string[] {
  if (r.failure) return [`relecteur step-1 flood: failed — ${r.failure}`];
  const growth = r.stoppedAtCeiling
    ? `> ${mib(CEILING_BYTES)} (attack stopped at that ceiling after ${r.sent} messages)`
    : `+${mib(r.peakGrowthBytes)} after ${r.sent} messages`;
  const closed = r.closeCode === null ? 'socket left open' : `socket closed ${r.closeCode}`;
  const sigterm =
    r.sigtermSeconds === null
      ? 'did not stop on SIGTERM (killed)'
      : `stopped on SIGTERM in ${r.sigtermSeconds.toFixed(1)} s`;
  return [
    `relecteur flooding sync step 1 on a ${mib(PAGE_BYTES)} page, socket never read: server RSS ${mib(r.baselineBytes)} ${growth}, /healthz max ${r.healthzMaxMs.toFixed(0)} ms, ${closed}, ${sigterm} (budget < 150 MiB growth, /healthz < 1 s)`,
  ];
}
