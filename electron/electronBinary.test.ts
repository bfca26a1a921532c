// Finding the Electron executable without triggering electron's own download.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { binaryMissingMessage, resolveElectronBinary } from './electronBinary';

const pkg = path.join('/repo', 'node_modules', 'electron');

describe('resolveElectronBinary', () => {
  it('returns null when the package or path.txt is missing (ELECTRON_SKIP_BINARY_DOWNLOAD)', () => {
    expect(
      resolveElectronBinary({
        electronPackageDir: null,
        overrideDistPath: undefined,
        exists: () => true,
        readText: () => 'electron',
      }),
    ).toBeNull();
    expect(
      resolveElectronBinary({
        electronPackageDir: pkg,
        overrideDistPath: undefined,
        exists: () => true,
        readText: () => null,
      }),
    ).toBeNull();
  });

  it('returns null when path.txt names a binary that is not on disk', () => {
    expect(
      resolveElectronBinary({
        electronPackageDir: pkg,
        overrideDistPath: undefined,
        exists: () => false,
        readText: () => 'electron',
      }),
    ).toBeNull();
  });

  it('finds dist/<path.txt>', () => {
    const binary = path.join(pkg, 'dist', 'electron');
    expect(
      resolveElectronBinary({
        electronPackageDir: pkg,
        overrideDistPath: undefined,
        exists: (f) => f === binary,
        readText: () => 'electron\n',
      }),
    ).toBe(binary);
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH', () => {
    const binary = path.join('/opt/electron', 'electron');
    expect(
      resolveElectronBinary({
        electronPackageDir: pkg,
        overrideDistPath: '/opt/electron',
        exists: (f) => f === binary,
        readText: () => null,
      }),
    ).toBe(binary);
  });

  it('agrees with the disk in this checkout (no binary here: ELECTRON_SKIP_BINARY_DOWNLOAD)', async () => {
    const { existsSync, readFileSync } = await import('node:fs');
    const dir = path.resolve('node_modules/electron');
    const found = resolveElectronBinary({
      electronPackageDir: existsSync(dir) ? dir : null,
      overrideDistPath: undefined,
      exists: existsSync,
      readText: (f) => (existsSync(f) ? readFileSync(f, 'utf8') : null),
    });
    if (found !== null) console.log(`electron binary present at ${found}`);
    expect(found === null || existsSync(found)).toBe(true);
  });
});

describe('binaryMissingMessage', () => {
  it('is one French line naming the browser URL and saying the server keeps running', () => {
    const message = binaryMissingMessage('http://localhost:8080/app/');
    expect(message).not.toContain('\n');
    expect(message).toContain("Electron n'est pas installé");
    expect(message).toContain('http://localhost:8080/app/');
    expect(message).toContain('le serveur continue de tourner');
  });
});
