/**
 * All tenants of one emulator process. Tenants are found by id or by any verified domain, which is
 * how Entra resolves the `{tenant}` segment of its URLs.
 */
import { DirectoryError, InMemoryTenantDirectory } from './tenant-directory.js';
import { generateTenantSnapshot } from './tenant-generator.js';
import type { DirectoryRegistry, EmulatedTenant, TenantSpec } from '../contracts.js';

/** Options of {@link createDirectoryRegistry}. */
export interface DirectoryRegistryOptions {
  /** Tenants to generate at start (default: none). */
  initialTenants?: readonly TenantSpec[];
  /** Clock for change-log timestamps (default `Date.now`). */
  now?: () => number;
}

/** `DirectoryRegistry` whose tenants are {@link InMemoryTenantDirectory} (Graph and the control API need the extras). */
export interface InMemoryDirectoryRegistry extends DirectoryRegistry {
  get(idOrDomain: string): InMemoryTenantDirectory | undefined;
  create(spec: TenantSpec): InMemoryTenantDirectory;
  reset(tenantId: string): InMemoryTenantDirectory | undefined;
  /** The spec a tenant was generated from (a copy), so saved state can tell generated content from changes. */
  specOf(tenantId: string): TenantSpec | undefined;
}

/** Creates an in-memory registry, generating `initialTenants` up front. */
export function createDirectoryRegistry(options: DirectoryRegistryOptions = {}): InMemoryDirectoryRegistry {
  const now = options.now ?? Date.now;
  const byId = new Map<string, { spec: TenantSpec; directory: InMemoryTenantDirectory }>();
  const byDomain = new Map<string, string>();

  const index = (directory: InMemoryTenantDirectory): void => {
    for (const domain of directory.tenant.verifiedDomains)
      byDomain.set(domain.toLowerCase(), directory.tenant.id);
  };
  const unindex = (tenant: EmulatedTenant): void => {
    for (const domain of tenant.verifiedDomains) byDomain.delete(domain.toLowerCase());
  };

  const registry: InMemoryDirectoryRegistry = {
    list: () => [...byId.values()].map(({ directory }) => directory.tenant),
    get: (idOrDomain) => {
      const key = idOrDomain.toLowerCase();
      return byId.get(key)?.directory ?? byId.get(byDomain.get(key) ?? '')?.directory;
    },
    create: (spec) => {
      const directory = new InMemoryTenantDirectory(generateTenantSnapshot(spec), now);
      const { id, defaultDomain } = directory.tenant;
      if (byId.has(id)) throw new DirectoryError('conflict', `Tenant ${id} already exists.`);
      const owner = byDomain.get(defaultDomain);
      if (owner)
        throw new DirectoryError(
          'conflict',
          `Domain ${defaultDomain} is already verified by tenant ${owner}.`,
        );
      byId.set(id, { spec: { ...spec }, directory });
      index(directory);
      return directory;
    },
    reset: (tenantId) => {
      const existing = byId.get(tenantId.toLowerCase());
      if (!existing) return undefined;
      unindex(existing.directory.tenant);
      // A fresh directory gets a fresh delta epoch, so tokens from before the reset resync.
      const directory = new InMemoryTenantDirectory(generateTenantSnapshot(existing.spec), now);
      byId.set(directory.tenant.id, { spec: existing.spec, directory });
      index(directory);
      return directory;
    },
    specOf: (tenantId) => {
      const existing = byId.get(tenantId.toLowerCase());
      return existing ? { ...existing.spec } : undefined;
    },
    remove: (tenantId) => {
      const existing = byId.get(tenantId.toLowerCase());
      if (!existing) return false;
      unindex(existing.directory.tenant);
      return byId.delete(existing.directory.tenant.id);
    },
  };
  for (const spec of options.initialTenants ?? []) registry.create(spec);
  return registry;
}
