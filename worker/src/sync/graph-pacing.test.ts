// The sync client paces under Graph's per-app limit across all tenants, not only under each
// tenant's: against the emulator with its quotas scaled down to 1% (1,500 RU per 20 s for the app),
// twenty-five tenants read at once finish without a single 429.
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { createAppTokenSource, createGraphSyncClient } from '@cas/microsoft365';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TENANTS = Array.from(
  { length: 25 },
  (_, index) => `c0ffee00-0000-4000-8000-0000000b${String(index).padStart(4, '0')}`,
);
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    throttling: { quotaMultiplier: 0.01 },
    tenants: TENANTS.map((id, index) => ({
      seed: `pacing-${index}`,
      users: 600,
      groups: 2,
      id,
      defaultDomain: `pacing${index}.onmicrosoft.com`,
    })),
  });
  for (const tenant of TENANTS)
    await emulatorControl(
      emulator.origin,
      'PUT',
      `/tenants/${tenant}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
      {},
    );
}, 60_000);

afterAll(async () => {
  await emulator?.close();
});

describe('Graph pacing', () => {
  it('keeps every tenant together under the app-wide limit: no 429', async () => {
    const graph = createGraphSyncClient({
      graphBaseUrl: emulator.origin,
      tokens: createAppTokenSource({
        authorityHost: emulator.origin,
        clientId: CLOUD_APP_SECURITY_CLIENT_ID,
        clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
      }),
      // Each tenant alone may spend 80 RU per 10 s (8,000 at 1%); together they must stay under
      // the app's 1,500 RU per 20 s and 1,300 requests per 10 s (at 1%), here at 1,200 RU per 20 s.
      pacingQuota: { units: 72, windowMs: 10_000 },
      appPacingQuota: { units: 1_200, windowMs: 20_000 },
    });
    await emulatorControl(emulator.origin, 'DELETE', '/stats');
    const started = Date.now();
    const sessions = TENANTS.map((tenant) => graph.session(tenant));
    // 25 tenants × 72 cheap reads = 1,800 RU: each tenant within its own bucket, together more
    // than the app's bucket holds at once.
    await Promise.all(
      sessions.map(async (session) => {
        for (let index = 0; index < 72; index++) await session.get('/users?$select=id&$top=1');
      }),
    );
    expect(sessions.reduce((sum, session) => sum + session.meter.throttled, 0)).toBe(0);
    const stats = await emulatorControl<{ throttled: number }>(emulator.origin, 'GET', '/stats');
    expect(stats.throttled).toBe(0);
    // It did wait for the app's bucket (1,800 > 1,200 RU; unpaced, the emulator answers 429), which no tenant's bucket asked for.
    expect(sessions.reduce((sum, session) => sum + session.meter.waitedMs, 0)).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThan(1_000);
  }, 60_000);
});
