/**
 * Contract: with `persist` on, what a developer's admin granted and changed survives a restart on
 * the same data directory — consent (through the control API and through the consent page), its
 * revocation, app credentials and directory changes — as msal-node and Graph see them; with
 * `persist` off nothing is written; an unusable state file is moved aside.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTOSO_SPEC, FABRIKAM_SPEC } from '../src/directory/index.js';
import {
  CLOUD_APP_SECURITY_API_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET_ID,
  CONTOSO_APOSTROPHE_UPN,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_UPN,
  DEFAULT_DATA_DIR,
  FABRIKAM_ADMIN_PASSWORD,
  FABRIKAM_ADMIN_UPN,
  FABRIKAM_TENANT_ID,
  MICROSOFT_GRAPH_APP_ID,
  STATE_FILE_NAME,
  type EmulatorOptions,
  type RunningEmulator,
  type TenantSpec,
} from '../src/index.js';
import { confidentialClient, control, decodeJwt, launchEmulator } from './support/emulator-fixture.js';
import { FormBrowser, pageText } from './support/form-browser.js';

const GRAPH_DEFAULT = ['https://graph.microsoft.com/.default'];
const TAILSPIN: TenantSpec = { seed: 'tailspin', users: 10, groups: 2, displayName: 'Tailspin' };
const TENANTS = [CONTOSO_SPEC, FABRIKAM_SPEC, TAILSPIN];
const APP = CLOUD_APP_SECURITY_CLIENT_ID;
let dataDir: string;
const running: RunningEmulator[] = [];

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'emulator-persist-'));
  // The CA every test process trusts (NODE_EXTRA_CA_CERTS) and the first signing key, so this
  // data directory serves the same certificate as the default one.
  for (const folder of ['tls', 'keys'])
    cpSync(join(DEFAULT_DATA_DIR, folder), join(dataDir, folder), { recursive: true });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts an emulator on this test's data directory with the three test tenants. */
async function start(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = await launchEmulator({ dataDir, tenants: TENANTS, ...options });
  running.push(emulator);
  return emulator;
}

/** Stops an emulator started by {@link start} (and flushes its state). */
async function stop(emulator: RunningEmulator): Promise<void> {
  running.splice(running.indexOf(emulator), 1);
  await emulator.close();
}

/** An app-only Graph token's claims, or the AADSTS message when Entra refuses. */
async function appToken(
  emulator: RunningEmulator,
  tenant: string,
  clientSecret?: string,
): Promise<{ token?: string; claims?: Record<string, unknown>; error?: string }> {
  return confidentialClient(emulator, tenant, clientSecret ? { clientSecret } : {})
    .acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT, skipCache: true })
    .then(
      (result) => ({
        token: result?.accessToken,
        claims: decodeJwt(result?.accessToken ?? '').payload,
      }),
      (error: unknown) => ({ error: (error as { errorMessage?: string }).errorMessage ?? String(error) }),
    );
}

/** GET on Graph with a token: status and body. */
async function graph(
  emulator: RunningEmulator,
  token: string | undefined,
  path: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emulator.origin}/v1.0${path}`, {
    headers: { Authorization: `Bearer ${token ?? ''}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Admin consent for Graph through the consent page, as the Fabrikam admin would give it. */
async function consentThroughThePage(emulator: RunningEmulator): Promise<URL | undefined> {
  const browser = new FormBrowser(emulator.origin);
  const query = new URLSearchParams({
    client_id: APP,
    redirect_uri: 'https://localhost:7443/api/consent/callback',
    scope: 'https://graph.microsoft.com/.default',
    state: 'persisted',
  });
  const signIn = await browser.open(`${emulator.origin}/${FABRIKAM_TENANT_ID}/v2.0/adminconsent?${query}`);
  const consent = await browser.submit(
    signIn,
    { loginfmt: FABRIKAM_ADMIN_UPN, passwd: FABRIKAM_ADMIN_PASSWORD },
    'Sign in',
  );
  expect(pageText(consent.html)).toContain('Permissions requested');
  return (await browser.submit(consent, {}, 'Accept')).callback;
}

function groupId(emulator: RunningEmulator, name: string): string {
  const record = emulator.directories
    .get(CONTOSO_TENANT_ID)
    ?.groupSlots.find((candidate) => candidate?.group.displayName === name);
  if (!record) throw new Error(`No group ${name}`);
  return record.group.id;
}

async function eventually(check: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 100 && !check(); attempt++)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('persisted state', () => {
  it('keeps consent, its revocation, app credentials and directory changes across a restart', async () => {
    const first = await start({ persist: true });
    const statePath = join(dataDir, STATE_FILE_NAME);
    expect(first.statePath).toBe(statePath);

    // Consent: Contoso through the control API, Fabrikam through the consent page, and a tenant
    // added later whose consent is then revoked.
    await control(first, 'PUT', `/tenants/${CONTOSO_TENANT_ID}/service-principals/${APP}`);
    expect((await consentThroughThePage(first))?.searchParams.get('tenant')).toBe(FABRIKAM_TENANT_ID);
    const northwind = await control<{ id: string }>(first, 'POST', '/tenants', {
      seed: 'northwind',
      users: 8,
      groups: 2,
    });
    await control(first, 'PUT', `/tenants/${northwind.id}/service-principals/${APP}`);
    await control(first, 'POST', `/tenants/${northwind.id}/service-principals/${APP}/revoke-consent`);
    const tailspin = first.directories.list().find((tenant) => tenant.displayName === 'Tailspin');
    await control(first, 'DELETE', `/tenants/${tailspin?.id ?? ''}`);

    // Directory changes in Contoso.
    const hire = await control<{ id: string }>(first, 'POST', `/tenants/${CONTOSO_TENANT_ID}/users`, {
      userPrincipalName: 'new.hire@contoso.onmicrosoft.com',
      displayName: 'New Hire',
    });
    const reviewers = await control<{ id: string }>(first, 'POST', `/tenants/${CONTOSO_TENANT_ID}/groups`, {
      displayName: 'Persisted Reviewers',
    });
    const sales = groupId(first, 'Sales');
    await control(first, 'POST', `/tenants/${CONTOSO_TENANT_ID}/groups/${reviewers.id}/members`, {
      id: hire.id,
    });
    await control(first, 'POST', `/tenants/${CONTOSO_TENANT_ID}/groups/${sales}/members`, { id: hire.id });
    await control(first, 'PATCH', `/tenants/${CONTOSO_TENANT_ID}/users/${CONTOSO_USER_UPN}`, {
      jobTitle: 'Persisted Title',
    });
    await control(
      first,
      'DELETE',
      `/tenants/${CONTOSO_TENANT_ID}/users/${encodeURIComponent(CONTOSO_APOSTROPHE_UPN)}`,
    );

    // App credentials: a new secret, and the development one expired.
    const rotated = await control<{ secretText: string }>(first, 'POST', `/apps/${APP}/secrets/rotate`, {
      keepOld: true,
    });
    const before = await appToken(first, CONTOSO_TENANT_ID, rotated.secretText);
    const { body: latest } = await graph(first, before.token, '/users/delta?$deltatoken=latest');
    const deltaLink = new URL(String(latest['@odata.deltaLink']));
    await control(first, 'POST', `/apps/${APP}/secrets/expire`, {
      secretId: CLOUD_APP_SECURITY_CLIENT_SECRET_ID,
    });
    // The API registration stops asking for directory roles (its tokens lose wids).
    await control(first, 'PATCH', `/apps/${CLOUD_APP_SECURITY_API_CLIENT_ID}`, {
      groupMembershipClaims: 'None',
    });

    // Saved shortly after the changes, without waiting for close (a killed process keeps them).
    await eventually(() => existsSync(statePath) && readFileSync(statePath, 'utf8').includes('"disabled"'));
    const saved = JSON.parse(readFileSync(statePath, 'utf8')) as {
      version: number;
      tenants: { id: string; users: Record<string, unknown> }[];
    };
    expect(saved.version).toBe(1);
    // Only what changed: 3 users of Contoso's 60, not the generated directory.
    expect(
      Object.keys(saved.tenants.find((tenant) => tenant.id === CONTOSO_TENANT_ID)?.users ?? {}),
    ).toHaveLength(3);
    await stop(first);

    const second = await start({ persist: true });
    expect(second.restoredState).toEqual({
      servicePrincipals: 3,
      tenantsAdded: 1,
      tenantsRemoved: 1,
      tenantsChanged: 1,
      apps: 2,
    });
    expect(
      await control<{ groupMembershipClaims: string }>(
        second,
        'GET',
        `/apps/${CLOUD_APP_SECURITY_API_CLIENT_ID}`,
      ),
    ).toMatchObject({ groupMembershipClaims: 'None' });

    // msal-node: the same principal (oid) with the same roles; the rotated secret still works, the
    // expired one still does not.
    const after = await appToken(second, CONTOSO_TENANT_ID, rotated.secretText);
    expect(after.error).toBeUndefined();
    expect(after.claims?.roles).toEqual(before.claims?.roles);
    expect(after.claims?.roles).toContain('User.Read.All');
    expect(after.claims?.oid).toBe(before.claims?.oid);
    expect((await appToken(second, CONTOSO_TENANT_ID)).error).toContain('AADSTS7000222');
    expect((await appToken(second, FABRIKAM_TENANT_ID, rotated.secretText)).claims?.roles).toContain(
      'GroupMember.Read.All',
    );
    const revoked = await appToken(second, northwind.id, rotated.secretText);
    expect(revoked.error).toBeUndefined();
    expect(revoked.claims).not.toHaveProperty('roles');
    const tenants = await control<{ value: { id: string }[] }>(second, 'GET', '/tenants');
    expect(tenants.value.map((tenant) => tenant.id)).toEqual([
      CONTOSO_TENANT_ID,
      FABRIKAM_TENANT_ID,
      northwind.id,
    ]);

    // Graph sees the directory as it was left.
    const hired = await graph(second, after.token, '/users/new.hire@contoso.onmicrosoft.com');
    expect(hired).toMatchObject({ status: 200, body: { id: hire.id, displayName: 'New Hire' } });
    const memberIds = async (group: string): Promise<string[]> => {
      const { body } = await graph(second, after.token, `/groups/${group}/members?$select=id`);
      return (body.value as { id: string }[]).map((member) => member.id);
    };
    expect(await memberIds(reviewers.id)).toEqual([hire.id]);
    expect(await memberIds(sales)).toContain(hire.id);
    expect(
      (await graph(second, after.token, `/users/${CONTOSO_USER_UPN}?$select=jobTitle`)).body,
    ).toMatchObject({
      jobTitle: 'Persisted Title',
    });
    expect(
      (await graph(second, after.token, `/users/${encodeURIComponent(CONTOSO_APOSTROPHE_UPN)}`)).status,
    ).toBe(404);

    // A delta link from before the restart asks for a full resync (410), as an expired one does.
    deltaLink.host = second.host;
    const resumed = await fetch(deltaLink, { headers: { Authorization: `Bearer ${after.token ?? ''}` } });
    expect(resumed.status).toBe(410);
    expect(await resumed.json()).toMatchObject({ error: { code: 'syncStateNotFound' } });

    // POST /_emulator/reset forgets all of it, on disk too.
    await control(second, 'POST', '/reset');
    expect(existsSync(statePath)).toBe(false);
    expect((await appToken(second, CONTOSO_TENANT_ID)).error).toContain('AADSTS7000229');
    await stop(second);
    const third = await start({ persist: true });
    expect(third.restoredState).toBeUndefined();
    expect(third.directories.list().map((tenant) => tenant.displayName)).toEqual([
      'Contoso',
      'Fabrikam',
      'Tailspin',
    ]);
    expect(third.entra.principals.list(CONTOSO_TENANT_ID)).toEqual([]);
  });

  it('writes and reads nothing with persist off (the default)', async () => {
    const saving = await start({ persist: true });
    await control(saving, 'PUT', `/tenants/${CONTOSO_TENANT_ID}/service-principals/${APP}`);
    await stop(saving);
    const savedText = readFileSync(join(dataDir, STATE_FILE_NAME), 'utf8');

    const inMemory = await start();
    expect(inMemory.statePath).toBeUndefined();
    expect(inMemory.entra.principals.list(CONTOSO_TENANT_ID)).toEqual([]);
    await control(inMemory, 'PUT', `/tenants/${FABRIKAM_TENANT_ID}/service-principals/${APP}`);
    await control(inMemory, 'POST', `/tenants/${CONTOSO_TENANT_ID}/users`, {
      userPrincipalName: 'not.saved@contoso.onmicrosoft.com',
    });
    await control(inMemory, 'POST', '/reset');
    await stop(inMemory);
    expect(readFileSync(join(dataDir, STATE_FILE_NAME), 'utf8')).toBe(savedText);

    rmSync(join(dataDir, STATE_FILE_NAME));
    const untouched = await start();
    await control(untouched, 'PUT', `/tenants/${CONTOSO_TENANT_ID}/service-principals/${APP}`);
    await stop(untouched);
    expect(readdirSync(dataDir).sort()).toEqual(['keys', 'tls']);
  });

  it.each([
    ['not JSON', '{"format": "cas-m365-emulator-state", "version": 1, "tenants": ['],
    ['an unknown version', JSON.stringify({ format: 'cas-m365-emulator-state', version: 99 })],
  ])('moves a state file that is %s aside, warns and starts without it', async (_name, text) => {
    writeFileSync(join(dataDir, STATE_FILE_NAME), text);
    const warnings: string[] = [];
    const emulator = await start({ persist: true, onWarning: (message) => warnings.push(message) });
    expect(emulator.restoredState).toBeUndefined();
    const aside = readdirSync(dataDir).filter((name) => name.startsWith(`${STATE_FILE_NAME}.corrupt-`));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dataDir, aside[0] ?? ''), 'utf8')).toBe(text);
    expect(warnings).toEqual([expect.stringContaining('moved it to')]);

    // It keeps working and saves afresh.
    await control(emulator, 'PUT', `/tenants/${CONTOSO_TENANT_ID}/service-principals/${APP}`);
    await stop(emulator);
    const saved = JSON.parse(readFileSync(join(dataDir, STATE_FILE_NAME), 'utf8')) as {
      servicePrincipals: { tenantId: string; appRoleAssignments: Record<string, string[]> }[];
    };
    expect(saved.servicePrincipals).toHaveLength(1);
    expect(saved.servicePrincipals[0]?.appRoleAssignments[MICROSOFT_GRAPH_APP_ID]).toContain('User.Read.All');
  });
});
