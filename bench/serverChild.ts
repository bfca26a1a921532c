/**
 * Our server as bench/server.ts runs it: bundled by esbuild with the options of the production
 * build (sync-server/app/build.mjs) into dist/bench/serverChild.mjs and run by `node`, like
 * `npm run server`. The only difference with main.ts: the per-agent and per-address rate limits
 * are lifted (the bench is one agent on one address opening thousands of connections); every
 * other check stays (tokens, roles, the update guard, durable persisted acks).
 */
import { startServer } from '../sync-server/app/server';
import { pinoLogger } from '../sync-server/observability/Logger';

const LIFTED = { ratePerSecond: 1e9, burst: 1e9 };

const server = await startServer({
  port: Number(process.env.PORT),
  host: '127.0.0.1',
  dataDir: process.env.DATA_DIR!,
  // The cluster bench (bench/cluster.ts) runs nodes on PostgreSQL and Redis, sharing their files.
  databaseUrl: process.env.DATABASE_URL || undefined,
  redisUrl: process.env.REDIS_URL || undefined,
  sitesDir: process.env.SITES_DIR || undefined,
  mediaDir: process.env.MEDIA_DIR || undefined,
  logger: pinoLogger({ minLevel: 'warn' }),
  // The bench's rooms and agents are in Aix-en-Provence (13001), as the tests'.
  demoCommune: '13001',
  limits: {
    messagesPerAgent: LIFTED,
    messagesPerAddress: LIFTED,
    updatesPerAgent: LIFTED,
    updatesPerAddress: LIFTED,
    connectionsPerAgent: LIFTED,
    connectionsPerAddress: LIFTED,
  },
});
console.log(JSON.stringify({ ready: true, demo: server.demoAccount }));
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
