// The PostgreSQL tests never vanish silently in CI: without PostgreSQL's binaries,
// postgresAvailability() throws under CI=true and only skips (with the reason printed) elsewhere.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { postgresAvailability } from './throwawayPostgres';

describe('postgresAvailability', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('throws under CI=true when PostgreSQL is missing', () => {
    vi.stubEnv('PG_BIN', '/nonexistent/postgresql/bin');
    vi.stubEnv('CI', 'true');
    expect(() => postgresAvailability()).toThrow(/en CI, les tests PostgreSQL doivent tourner/);
  });

  it('outside CI, answers unavailable with the reason, and prints it', () => {
    vi.stubEnv('PG_BIN', '/nonexistent/postgresql/bin');
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(postgresAvailability()).toEqual({ available: false, reason: expect.stringContaining('initdb') });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('Tests PostgreSQL ignorés ici'));
  });
});
