// Contracts in one place: every rule ID a server, deploy or journey test cites is defined in
// sync-server/SPEC.md or site/SPEC.md, and every rule of sync-server/SPEC.md is cited by the
// test files it names.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../app/serverProcess';

const RULE = /\[([A-Z]+-\d+[a-z]?)\]/g;

function testFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(test|spec)\.ts$/.test(name) && !name.includes('node_modules'))
    .map((name) => path.join(dir, name));
}

function definedRules(specFile: string): Map<string, string> {
  const rules = new Map<string, string>();
  for (const line of fs.readFileSync(path.join(repoRoot, specFile), 'utf8').split('\n')) {
    const match = /^- \*\*\[([A-Z]+-\d+[a-z]?)\]\*\*(.*)$/.exec(line);
    if (match) rules.set(match[1]!, match[2]!);
  }
  return rules;
}

function citations(files: string[]): Map<string, Set<string>> {
  const cited = new Map<string, Set<string>>();
  for (const file of files) {
    for (const [, id] of fs.readFileSync(path.join(repoRoot, file), 'utf8').matchAll(RULE)) {
      if (!cited.has(id!)) cited.set(id!, new Set());
      cited.get(id!)!.add(file);
    }
  }
  return cited;
}

describe('sync-server/SPEC.md', () => {
  const server = definedRules('sync-server/SPEC.md');
  const site = definedRules('site/SPEC.md');

  it('defines every rule the server and journey tests cite (or site/SPEC.md does), once', () => {
    const cited = citations([...testFiles('sync-server'), ...testFiles('e2e'), ...testFiles('deploy')]);
    const undefinedRules = [...cited.keys()].filter((id) => !server.has(id) && !site.has(id));
    expect(undefinedRules).toEqual([]);
    expect([...server.keys()].filter((id) => site.has(id))).toEqual([]);
  });

  it('names, for each rule, test files that do cite it', () => {
    const cited = citations([
      ...testFiles('sync-server'),
      ...testFiles('e2e'),
      ...testFiles('site'),
      ...testFiles('deploy'),
      ...testFiles('renderer/src'),
    ]);
    const wrong: string[] = [];
    for (const [id, text] of server) {
      // A bare name is a test file of sync-server/, in whichever layer folder it sits.
      const named = [...text.matchAll(/`([\w/.-]+\.(?:test|spec)\.ts)`/g)].map(([, file]) => file!);
      if (named.length === 0) wrong.push(`${id}: no test file named`);
      const citing = [...(cited.get(id) ?? [])];
      for (const file of named) {
        const found = file.includes('/')
          ? citing.includes(file)
          : citing.some((c) => c.startsWith('sync-server/') && path.basename(c) === file);
        if (!found) wrong.push(`${id}: not cited by ${file}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
