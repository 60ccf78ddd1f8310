/** The emulator tenants of `bench:tenants`: ids and sizes both the emulator and the benchmark derive. */
import { emptyProvisioning, type Store } from '@cas/core';

/** The id of the benchmark's emulator tenant number `index`. */
export function benchTenantId(index: number): string {
  return `be0c0000-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

/** Its users: 20 to 200, spread over the tenants. */
export function benchTenantUsers(index: number): number {
  return 20 + ((index * 37) % 181);
}

/** Saves the tenants' provisioning with Exchange Online protected for all users and groups, 16 at a time. */
export async function provisionExchangeOnline(store: Store, tenantIds: readonly string[]): Promise<void> {
  for (let index = 0; index < tenantIds.length; index += 16) {
    await Promise.all(
      tenantIds.slice(index, index + 16).map(async (tenantId) => {
        const base = emptyProvisioning(tenantId);
        await store.provisioning.save(
          {
            ...base,
            services: {
              ...base.services,
              exchangeOnline: {
                ...base.services.exchangeOnline,
                status: 'protected',
                scope: 'allUsersAndGroups',
                protectedAt: new Date().toISOString(),
              },
            },
          },
          0,
        );
      }),
    );
  }
}

/** The value at quantile `q` (0–1) of `values`, nearest rank; Infinity counts as larger than all. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}
