// The Redis tests never vanish silently in CI: without `redis-server`, redisAvailability()
// throws under CI=true and only skips (with the reason printed) elsewhere.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redisAvailability } from './throwawayRedis';

describe('redisAvailability', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('throws under CI=true when redis-server is missing', () => {
    vi.stubEnv('REDIS_SERVER', '/nonexistent/redis-server');
    vi.stubEnv('CI', 'true');
    expect(() => redisAvailability()).toThrow(/en CI, les tests Redis doivent tourner/);
  });

  it('outside CI, answers unavailable with the reason, and prints it', () => {
    vi.stubEnv('REDIS_SERVER', '/nonexistent/redis-server');
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(redisAvailability()).toEqual({
      available: false,
      reason: expect.stringContaining('redis-server'),
    });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('Tests Redis ignorés ici'));
  });
});
