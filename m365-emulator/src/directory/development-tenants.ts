/**
 * The development tenants the emulator starts with. Their passwords are documented constants so the
 * README and the start-up banner can print them.
 */
import { developmentPasswordsFor } from './tenant-generator.js';
import type { TenantSpec } from '../contracts.js';

/** Tenant id of the default development tenant "Contoso". */
export const CONTOSO_TENANT_ID = 'a5c0c3f2-3c6e-4e0a-9c1e-2f4b6a8d0c11';
/** Tenant id of the second development tenant "Fabrikam" (cross-tenant tests). */
export const FABRIKAM_TENANT_ID = 'b7d2e4f6-5a8c-4b1e-8d3f-6a9c1e3b5d22';

/** Generator spec of Contoso: about 60 users and 12 groups. */
export const CONTOSO_SPEC: Readonly<TenantSpec> = {
  seed: 'contoso',
  users: 60,
  groups: 12,
  id: CONTOSO_TENANT_ID,
  displayName: 'Contoso',
  defaultDomain: 'contoso.onmicrosoft.com',
};

/** Generator spec of Fabrikam: a smaller second tenant. */
export const FABRIKAM_SPEC: Readonly<TenantSpec> = {
  seed: 'fabrikam',
  users: 25,
  groups: 8,
  id: FABRIKAM_TENANT_ID,
  displayName: 'Fabrikam',
  defaultDomain: 'fabrikam.onmicrosoft.com',
};

const contosoPasswords = developmentPasswordsFor('Contoso');
const fabrikamPasswords = developmentPasswordsFor('Fabrikam');

/** Contoso's Global Administrator sign-in. */
export const CONTOSO_ADMIN_UPN = 'admin@contoso.onmicrosoft.com';
/** Password of {@link CONTOSO_ADMIN_UPN}. */
export const CONTOSO_ADMIN_PASSWORD = contosoPasswords.admin;
/** Contoso's non-admin sign-in. */
export const CONTOSO_USER_UPN = 'user@contoso.onmicrosoft.com';
/** Password of {@link CONTOSO_USER_UPN} (and of every other enabled Contoso member). */
export const CONTOSO_USER_PASSWORD = contosoPasswords.user;
/** A Contoso user whose UPN contains an apostrophe. */
export const CONTOSO_APOSTROPHE_UPN = "conor.o'neil@contoso.onmicrosoft.com";
/** Fabrikam's Global Administrator sign-in. */
export const FABRIKAM_ADMIN_UPN = 'admin@fabrikam.onmicrosoft.com';
/** Password of {@link FABRIKAM_ADMIN_UPN}. */
export const FABRIKAM_ADMIN_PASSWORD = fabrikamPasswords.admin;
/** Fabrikam's non-admin sign-in. */
export const FABRIKAM_USER_UPN = 'user@fabrikam.onmicrosoft.com';
/** Password of {@link FABRIKAM_USER_UPN}. */
export const FABRIKAM_USER_PASSWORD = fabrikamPasswords.user;

/** A development sign-in the start-up banner prints. */
export interface DevelopmentSignIn {
  tenant: string;
  upn: string;
  password: string;
  role: 'Global Administrator' | 'User';
}

/** Spec of the default development tenant "Contoso" (a fresh copy, safe to modify). */
export function createDevelopmentTenant(): TenantSpec {
  return { ...CONTOSO_SPEC };
}

/** Spec of the second development tenant "Fabrikam" (a fresh copy). */
export function createSecondDevelopmentTenant(): TenantSpec {
  return { ...FABRIKAM_SPEC };
}

/** Every documented development sign-in, for the README and the start-up banner. */
export function developmentSignIns(): DevelopmentSignIn[] {
  return [
    {
      tenant: 'Contoso',
      upn: CONTOSO_ADMIN_UPN,
      password: CONTOSO_ADMIN_PASSWORD,
      role: 'Global Administrator',
    },
    { tenant: 'Contoso', upn: CONTOSO_USER_UPN, password: CONTOSO_USER_PASSWORD, role: 'User' },
    {
      tenant: 'Fabrikam',
      upn: FABRIKAM_ADMIN_UPN,
      password: FABRIKAM_ADMIN_PASSWORD,
      role: 'Global Administrator',
    },
    { tenant: 'Fabrikam', upn: FABRIKAM_USER_UPN, password: FABRIKAM_USER_PASSWORD, role: 'User' },
  ];
}
