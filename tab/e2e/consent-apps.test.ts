/**
 * End to end, one app registration per consent step (ADR 0013), in a real browser against real
 * processes: Exchange Online's Step 1 consent page lists only the EWS permission and Step 2's only
 * the Graph ones; provisioning Exchange Online alone leaves no SharePoint Online or OneDrive
 * permission granted in the tenant; SharePoint Online's wizard then asks for its own consent.
 */
import {
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  DEVELOPMENT_CONSENT_APPS,
} from '@cas/m365-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSignedIn, startStack, type Stack } from './support/stack.js';
import type { Page } from 'playwright-core';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

/** What a consent popup lists, by API, then Accept; waits for the popup to close. */
async function consentInPopup(page: Page, button: string): Promise<Record<string, string[]>> {
  const popupPromise = page.waitForEvent('popup');
  await page.getByRole('button', { name: button }).click();
  const popup = await popupPromise;
  await popup.getByRole('heading', { name: 'Permissions requested' }).waitFor();
  const listed = await popup
    .locator('li[data-resource]')
    .evaluateAll((groups) =>
      Object.fromEntries(
        groups.map((group) => [
          group.getAttribute('data-resource') ?? '',
          [...group.querySelectorAll('li[data-permission]')].map(
            (item) => item.getAttribute('data-permission') ?? '',
          ),
        ]),
      ),
    );
  await popup.getByRole('button', { name: 'Accept' }).click();
  await popup.waitForEvent('close', { timeout: 15_000 }).catch(() => undefined);
  return listed;
}

/** The granted application permissions of every service principal in Contoso, by app id. */
async function grantedInContoso(): Promise<Record<string, Record<string, string[]>>> {
  const { value } = await stack.control<{
    value: { appId: string; appRoleAssignments: Record<string, string[]> }[];
  }>('GET', `/tenants/${CONTOSO_TENANT_ID}/service-principals`);
  return Object.fromEntries(value.map((principal) => [principal.appId, principal.appRoleAssignments]));
}

describe('one app registration per consent step', () => {
  it('each consent page shows its step only; Exchange Online alone grants nothing for SharePoint or OneDrive', async () => {
    const context = await stack.newContext();
    const page = await openSignedIn(context, stack.tab.origin, CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);

    await page.getByRole('button', { name: 'Provision Exchange Online' }).click();
    expect(await consentInPopup(page, 'Click here (Step 1)')).toEqual({
      'Office 365 Exchange Online': ['full_access_as_app'],
    });
    await page.getByRole('button', { name: 'Click here (Step 2)' }).and(page.locator(':enabled')).waitFor();
    expect(await consentInPopup(page, 'Click here (Step 2)')).toEqual({
      'Microsoft Graph': [
        'User.Read.All',
        'GroupMember.Read.All',
        'RoleManagement.Read.Directory',
        'Mail.ReadWrite',
      ],
    });
    await page.getByRole('radio', { name: 'Synchronize all users and groups' }).check();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('status').filter({ hasText: 'Exchange Online protected.' }).waitFor();

    const ews = DEVELOPMENT_CONSENT_APPS.exchangeOnlineEws.clientId;
    const exchangeGraph = DEVELOPMENT_CONSENT_APPS.exchangeOnlineGraph.clientId;
    const granted = await grantedInContoso();
    expect(Object.keys(granted).sort()).toEqual([ews, exchangeGraph].sort());
    const everyRole = Object.values(granted).flatMap((byResource) => Object.values(byResource).flat());
    expect(everyRole).not.toContain('Sites.Read.All');
    expect(everyRole).not.toContain('Files.Read.All');

    // SharePoint Online is not consented by Exchange Online's steps: its wizard asks for its own app.
    await page.getByRole('button', { name: 'Back to Dashboard' }).click();
    await page.getByRole('button', { name: 'Provision SharePoint Online' }).click();
    await page.getByRole('button', { name: 'Click here (Step 1)' }).and(page.locator(':enabled')).waitFor();
    expect(await consentInPopup(page, 'Click here (Step 1)')).toEqual({
      'Microsoft Graph': [
        'User.Read.All',
        'GroupMember.Read.All',
        'RoleManagement.Read.Directory',
        'Sites.Read.All',
      ],
    });
    await page.getByRole('radio', { name: 'Synchronize all targets' }).waitFor();
    expect(Object.keys(await grantedInContoso())).toContain(
      DEVELOPMENT_CONSENT_APPS.sharePointOnlineGraph.clientId,
    );
    expect(Object.keys(await grantedInContoso())).not.toContain(
      DEVELOPMENT_CONSENT_APPS.oneDriveGraph.clientId,
    );
    await context.close();
  }, 120_000);
});
