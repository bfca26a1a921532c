/**
 * A `CredentialVault` kept in one JSON file (in Electron's userData directory): origin → base64
 * blob encrypted by safeStorage. Written atomically (temporary file + rename), mode 0600.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CredentialVault } from './credentialStore';
import { parseServerUrl } from './urlPolicy';

/** Only keys that are exactly a server origin are kept (drops `__proto__` and other junk). */
function isOriginKey(key: string): boolean {
  const parsed = parseServerUrl(key);
  return key !== '' && parsed.ok && parsed.endpoint.origin === key;
}

export function createJsonFileVault(filePath: string): CredentialVault {
  return {
    async read() {
      let text: string;
      try {
        text = await fs.readFile(filePath, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
        throw error;
      }
      const entries = new Map<string, string>();
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        return entries; // a corrupt file only costs a new login
      }
      if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
        for (const [key, value] of Object.entries(data)) {
          if (typeof value === 'string' && isOriginKey(key)) entries.set(key, value);
        }
      }
      return entries;
    },
    async write(entries) {
      await fs.mkdir(path.dirname(filePath), { recursive: true });
      const temporary = `${filePath}.${process.pid}.tmp`;
      await fs.writeFile(temporary, JSON.stringify(Object.fromEntries(entries)), { mode: 0o600 });
      await fs.rename(temporary, filePath);
    },
  };
}
