// Lint rules, including the import direction of DESIGN.md:
// site/ imports nothing of ours; sync-server/ and renderer/ import site/;
// electron/ imports only its own files; renderer/ may import electron/ipcContract types only.
import tseslint from 'typescript-eslint';

const ours = (...folders) =>
  folders.map((f) => ({
    group: [`**/${f}/**`, `**/${f}`],
    message: `forbidden import direction (see DESIGN.md): ${f}/`,
  }));
const SERVER_LAYERS = [
  'storage',
  'observability',
  'accounts',
  'sync',
  'publishing',
  'operations',
  'transport',
  'app',
];
const nodeOnly = ['fs', 'path', 'http', 'https', 'net', 'ws', 'better-sqlite3', 'child_process', 'os'];
const browserOnly = ['react', 'react-dom', 'dexie', 'y-dexie', 'y-websocket'];
// Globs cannot go in `paths`: these are `patterns`.
const nodeOnlyPatterns = [{ group: ['node:*'], message: 'Node-only module: not allowed in this folder' }];
const browserOnlyPatterns = [
  { group: ['react-dom/*', '@lexical/react/*'], message: 'browser-only module: not allowed in this folder' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'test-results/', 'playwright-report/', '.tmp/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['site/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeOnly, ...browserOnly],
          patterns: [
            ...nodeOnlyPatterns,
            ...browserOnlyPatterns,
            ...ours('sync-server', 'renderer', 'electron', 'assets', 'e2e', 'bench'),
          ],
        },
      ],
    },
  },
  {
    // Tests of site/ may use node:* (temp dirs, running the Nu HTML Checker); site/ code may not.
    files: ['site/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: browserOnly,
          patterns: [
            ...browserOnlyPatterns,
            ...ours('sync-server', 'renderer', 'electron', 'assets', 'e2e', 'bench'),
          ],
        },
      ],
    },
  },
  {
    files: ['sync-server/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: ours('renderer', 'electron', 'e2e', 'bench') }] },
  },
  // sync-server/ layers, lowest first: a layer's code imports only the layers below it
  // (sync-server/README.md). Tests and test support may import any layer.
  ...SERVER_LAYERS.map((layer, index) => ({
    files: [`sync-server/${layer}/**`],
    ignores: ['**/*.test.ts', '**/*.contract.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...ours('renderer', 'electron', 'e2e', 'bench'),
            ...SERVER_LAYERS.slice(index + 1).map((above) => ({
              group: [`../${above}/*`, `../../${above}/*`, `../${above}/**`, `../../${above}/**`],
              message: `sync-server/${layer}/ may not import the layer above it, ${above}/ (sync-server/README.md)`,
            })),
          ],
        },
      ],
    },
  })),
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeOnly,
          patterns: [
            ...nodeOnlyPatterns,
            ...ours('sync-server', 'e2e', 'bench'),
            {
              group: ['**/electron/*', '!**/electron/ipcContract'],
              message: 'renderer/ may only import electron/ipcContract',
            },
          ],
        },
      ],
    },
  },
  {
    // The build configuration runs in Node, not in the editor.
    files: ['renderer/vite.config.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['electron/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ours('site', 'sync-server', 'renderer', 'e2e', 'bench') },
      ],
    },
  },
);
