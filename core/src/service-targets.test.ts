import { describe, expect, it } from 'vitest';
import { serviceProtectedText } from './notifications.js';
import {
  addSiteTarget,
  checkSiteSelection,
  checkUserTarget,
  holdingsFromPlans,
  MAX_SELECTED_SITES,
  parseSiteCollectionUrl,
  picksUsers,
  protectsUser,
  removeSiteTargets,
  scopeLabelsFor,
  SERVICE_TARGET_KINDS,
  targetCountText,
  type SiteTarget,
  type SiteUrlErrorCode,
} from './service-targets.js';

const site = (index: number): SiteTarget => ({
  siteId: `contoso.sharepoint.com,${String(index).padStart(8, '0')}-0000-0000-0000-000000000000,web`,
  webUrl: `https://contoso.sharepoint.com/sites/Site${index}`,
  displayName: `Site ${index}`,
});

describe('targets per service', () => {
  it('Exchange Online protects mailboxes, SharePoint Online site collections, OneDrive OneDrive accounts', () => {
    expect(SERVICE_TARGET_KINDS).toEqual({
      exchangeOnline: 'mailbox',
      sharePointOnline: 'siteCollection',
      oneDrive: 'oneDriveAccount',
    });
    expect([picksUsers('exchangeOnline'), picksUsers('sharePointOnline'), picksUsers('oneDrive')]).toEqual([
      true,
      false,
      true,
    ]);
  });

  it('labels: Exchange keeps the source guide’s words, the others say targets', () => {
    expect(scopeLabelsFor('exchangeOnline')).toEqual({
      allUsersAndGroups: 'Synchronize all users and groups',
      selectedUsers: 'Synchronize selected users',
    });
    for (const service of ['sharePointOnline', 'oneDrive'] as const)
      expect(scopeLabelsFor(service)).toEqual({
        allUsersAndGroups: 'Synchronize all targets',
        selectedUsers: 'Synchronize selected targets',
      });
  });

  it('notification texts', () => {
    expect(serviceProtectedText('exchangeOnline')).toBe('Exchange Online protected.');
    expect(serviceProtectedText('sharePointOnline')).toBe('SharePoint Online protected.');
    expect(serviceProtectedText('oneDrive')).toBe('OneDrive protected.');
  });

  it.each([
    ['exchangeOnline', 1204, '1,204 mailboxes'],
    ['exchangeOnline', 1, '1 mailbox'],
    ['exchangeOnline', 0, '0 mailboxes'],
    ['sharePointOnline', 37, '37 site collections'],
    ['sharePointOnline', 1, '1 site collection'],
    ['oneDrive', 980, '980 OneDrive accounts'],
    ['oneDrive', 1, '1 OneDrive account'],
    ['oneDrive', 100_000, '100,000 OneDrive accounts'],
  ] as const)('%s: %d → %s', (service, count, text) => {
    expect(targetCountText(service, count)).toBe(text);
  });
});

describe('users: mailbox and OneDrive from licence plans', () => {
  it('enabled Exchange and SharePoint plans give a mailbox and a OneDrive; other states do not', () => {
    expect(
      holdingsFromPlans([
        { service: 'exchange', capabilityStatus: 'Enabled' },
        { service: 'SharePoint', capabilityStatus: 'Enabled' },
      ]),
    ).toEqual({ mailbox: true, oneDrive: true });
    expect(
      holdingsFromPlans([
        { service: 'exchange', capabilityStatus: 'Deleted' },
        { service: 'SharePoint', capabilityStatus: 'Suspended' },
        { service: 'TeamspaceAPI', capabilityStatus: 'Enabled' },
      ]),
    ).toEqual({ mailbox: false, oneDrive: false });
    expect(holdingsFromPlans(undefined)).toEqual({ mailbox: false, oneDrive: false });
    expect(holdingsFromPlans([{ service: 'exchange', capabilityStatus: 'Enabled' }])).toEqual({
      mailbox: true,
      oneDrive: false,
    });
  });

  it('each service protects its own part of a user; SharePoint Online protects no user', () => {
    const mailboxOnly = { mailbox: true, oneDrive: false };
    expect(protectsUser('exchangeOnline', mailboxOnly)).toBe(true);
    expect(protectsUser('oneDrive', mailboxOnly)).toBe(false);
    expect(protectsUser('sharePointOnline', { mailbox: true, oneDrive: true })).toBe(false);
  });

  it('a user without a mailbox or OneDrive is refused with its own message', () => {
    const none = { userPrincipalName: 'lee.gu@contoso.com', holdings: { mailbox: false, oneDrive: false } };
    const exchange = checkUserTarget('exchangeOnline', none);
    const oneDrive = checkUserTarget('oneDrive', none);
    expect(exchange).toEqual({
      ok: false,
      error: {
        code: 'user_without_mailbox',
        userPrincipalName: 'lee.gu@contoso.com',
        message:
          'lee.gu@contoso.com has no Exchange Online mailbox, so Exchange Online has nothing to protect for this user.',
      },
    });
    expect(oneDrive.ok ? undefined : oneDrive.error.code).toBe('user_without_onedrive');
    expect(oneDrive.ok ? undefined : oneDrive.error.message).toBe(
      'lee.gu@contoso.com has no OneDrive, so OneDrive has nothing to protect for this user.',
    );
    const both = { ...none, holdings: { mailbox: true, oneDrive: true } };
    expect(checkUserTarget('exchangeOnline', both).ok).toBe(true);
    expect(checkUserTarget('oneDrive', both).ok).toBe(true);
  });
});

describe('SharePoint Online: site collection URLs', () => {
  it.each([
    [
      'a site collection',
      'https://contoso.sharepoint.com/sites/Marketing',
      'https://contoso.sharepoint.com/sites/Marketing',
      '/sites/Marketing',
    ],
    [
      'a team site path',
      'https://contoso.sharepoint.com/teams/Apollo',
      'https://contoso.sharepoint.com/teams/Apollo',
      '/teams/Apollo',
    ],
    [
      'spaces, trailing slash and upper-case host',
      '  https://Contoso.SharePoint.com/sites/Marketing/ ',
      'https://contoso.sharepoint.com/sites/Marketing',
      '/sites/Marketing',
    ],
    [
      'a page of the site, query and fragment',
      'https://contoso.sharepoint.com/sites/Marketing/SitePages/Home.aspx?web=1#top',
      'https://contoso.sharepoint.com/sites/Marketing',
      '/sites/Marketing',
    ],
    ['the root site', 'https://contoso.sharepoint.com', 'https://contoso.sharepoint.com', '/'],
    [
      'a root site page',
      'https://contoso.sharepoint.com/SitePages/Home.aspx',
      'https://contoso.sharepoint.com',
      '/',
    ],
    [
      'a managed path in another case',
      'https://contoso.sharepoint.com/SITES/Finance',
      'https://contoso.sharepoint.com/sites/Finance',
      '/sites/Finance',
    ],
    [
      'a US government host',
      'https://agency.sharepoint.us/sites/Ops',
      'https://agency.sharepoint.us/sites/Ops',
      '/sites/Ops',
    ],
  ])('accepts %s', (_, input, url, path) => {
    const parsed = parseSiteCollectionUrl(input);
    expect(parsed).toEqual({
      ok: true,
      value: { hostname: url.split('/')[2], serverRelativePath: path, url },
    });
  });

  it.each([
    ['nothing', '   ', 'site_url_empty'],
    ['not a URL', 'contoso marketing', 'site_url_not_url'],
    ['a bare host without scheme', 'contoso.sharepoint.com/sites/Marketing', 'site_url_not_url'],
    ['http', 'http://contoso.sharepoint.com/sites/Marketing', 'site_url_not_https'],
    ['another host', 'https://contoso.com/sites/Marketing', 'site_url_not_sharepoint'],
    [
      'a look-alike host',
      'https://contoso.sharepoint.com.evil.example/sites/Marketing',
      'site_url_not_sharepoint',
    ],
    ['a port', 'https://contoso.sharepoint.com:8443/sites/Marketing', 'site_url_not_sharepoint'],
    ['credentials', 'https://user:pw@contoso.sharepoint.com/sites/Marketing', 'site_url_not_sharepoint'],
    ['a OneDrive address', 'https://contoso-my.sharepoint.com/personal/lee_contoso_com', 'site_url_onedrive'],
    ['a managed path without a name', 'https://contoso.sharepoint.com/sites/', 'site_url_invalid_path'],
    [
      'a name with a bad character',
      'https://contoso.sharepoint.com/sites/Mark%3Cting',
      'site_url_invalid_path',
    ],
    ['a broken escape', 'https://contoso.sharepoint.com/sites/%E0%A4%A', 'site_url_invalid_path'],
    ['401 characters', `https://contoso.sharepoint.com/sites/${'a'.repeat(364)}`, 'site_url_too_long'],
  ] as [string, string, SiteUrlErrorCode][])('refuses %s', (_, input, code) => {
    const parsed = parseSiteCollectionUrl(input);
    expect(parsed.ok ? undefined : parsed.error.code).toBe(code);
    expect(parsed.ok ? '' : parsed.error.message).not.toBe('');
  });

  it('adds verified sites in order, ignores duplicates by id or URL, refuses the 101st', () => {
    let targets: readonly SiteTarget[] = [];
    for (let index = 0; index < MAX_SELECTED_SITES; index++) {
      const added = addSiteTarget(targets, site(index));
      if (!added.ok) throw new Error(added.error.message);
      targets = added.value.targets;
    }
    expect(targets).toHaveLength(100);
    const sameId = addSiteTarget(targets, {
      ...site(5),
      webUrl: 'https://contoso.sharepoint.com/sites/Other',
    });
    const sameUrl = addSiteTarget(targets, {
      ...site(6),
      siteId: 'other',
      webUrl: `${site(6).webUrl.toUpperCase()}/`,
    });
    expect(sameId).toEqual({ ok: true, value: { targets, duplicate: true } });
    expect(sameUrl.ok && sameUrl.value.duplicate).toBe(true);
    expect(addSiteTarget(targets, site(100))).toEqual({
      ok: false,
      error: {
        code: 'site_limit_exceeded',
        limit: 100,
        current: 100,
        message: 'You can synchronize a maximum of 100 site collections; Selected Targets is full.',
      },
    });
    const fewer = removeSiteTargets(targets, [site(0).siteId.toUpperCase(), site(99).siteId]);
    expect(fewer).toHaveLength(98);
    expect(fewer[0]).toEqual(site(1));
  });

  it('Done: a selection keeps each site once and refuses more than 100 distinct sites', () => {
    const checked = checkSiteSelection([site(1), site(2), site(1)]);
    expect(checked).toEqual({ ok: true, value: [site(1), site(2)] });
    const many = Array.from({ length: 101 }, (_, index) => site(index));
    const refused = checkSiteSelection(many);
    expect(refused.ok ? undefined : refused.error.code).toBe('site_limit_exceeded');
  });
});
