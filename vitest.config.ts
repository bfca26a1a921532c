import { defineConfig } from 'vitest/config';

// Unit and integration tests (tiers a–c of STYLE.md): site/, sync-server/, renderer/ logic, electron/ main modules.
// Playwright journeys live in e2e/ and run with `npm run test:e2e`.
export default defineConfig({
  test: {
    include: ['{site,sync-server,renderer,electron,deploy}/**/*.test.ts', '*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
