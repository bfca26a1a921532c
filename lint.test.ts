// The import direction of DESIGN.md is enforced by ESLint (eslint.config.js); this proves the
// rule bites: each forbidden import below must be reported, each allowed one must not.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function restrictedImportErrors(filePath: string, code: string): Promise<number> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').length;
}

describe('import direction (DESIGN.md)', () => {
  it.each([
    ['site/x.ts', "import { startServer } from '../sync-server/server';"],
    ['site/x.ts', "import fs from 'node:fs';"],
    ['site/x.ts', "import React from 'react';"],
    ['renderer/src/x.ts', "import { startServer } from '../../sync-server/server';"],
    ['renderer/src/x.ts', "import '../../electron/main';"],
    ['sync-server/x.ts', "import { App } from '../renderer/src/ui/App';"],
    ['sync-server/storage/x.ts', "import { startServer } from '../app/server';"],
    ['sync-server/sync/x.ts', "import { Publisher } from '../publishing/Publisher';"],
    ['sync-server/publishing/search/x.ts', "import { createApi } from '../../transport/api';"],
    ['sync-server/observability/x.ts', "import { Accounts } from '../accounts/Accounts';"],
    ['sync-server/accounts/x.ts', "import { App } from '../../renderer/src/ui/App';"],
    ['electron/x.ts', "import { readPages } from '../site/siteDoc';"],
  ])('refuses in %s: %s', async (filePath, code) => {
    expect(await restrictedImportErrors(filePath, code)).toBeGreaterThan(0);
  });

  it.each([
    ['sync-server/x.ts', "import { readPages } from '../site/siteDoc';"],
    ['sync-server/app/x.ts', "import { Room } from '../sync/Room';"],
    ['sync-server/sync/x.ts', "import * as syncProtocol from 'y-protocols/sync';"],
    ['sync-server/storage/x.test.ts', "import { startTestServer } from '../app/testHarness';"],
    ['renderer/src/x.ts', "import { readPages } from '../../site/siteDoc';"],
    ['renderer/src/x.ts', "import type { UsineApi } from '../../electron/ipcContract';"],
    ['site/x.ts', "import * as Y from 'yjs';"],
  ])('allows in %s: %s', async (filePath, code) => {
    expect(await restrictedImportErrors(filePath, code)).toBe(0);
  });
});
