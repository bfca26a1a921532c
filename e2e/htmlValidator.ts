/** Runs the Nu HTML Checker (npm `vnu-jar`) with the machine's Java on HTML strings. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
// @ts-expect-error vnu-jar ships no types; its default export is the jar's path.
import vnuJar from 'vnu-jar';

const run = promisify(execFile);

export interface VnuMessage {
  type: string;
  message: string;
  extract?: string;
  url?: string;
  lastLine?: number;
}

/** Validates each document; returns the errors (an empty array means valid HTML). */
export async function validateHtml(documents: Record<string, string>): Promise<VnuMessage[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'usine-vnu-'));
  try {
    const files: string[] = [];
    for (const [name, html] of Object.entries(documents)) {
      const file = path.join(dir, `${name.replace(/[^a-z0-9-]+/gi, '_')}.html`);
      await writeFile(file, html);
      files.push(file);
    }
    let stderr = '';
    try {
      await run('java', ['-jar', vnuJar as string, '--errors-only', '--format', 'json', ...files], {
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      // vnu exits with 1 when it found errors; the report is on stderr either way.
      stderr = (error as { stderr?: string }).stderr ?? '';
      if (!stderr) throw error;
    }
    if (!stderr.trim()) return [];
    const report = JSON.parse(stderr) as { messages: VnuMessage[] };
    return report.messages.filter((m) => m.type === 'error' || m.type === 'non-document-error');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
