// Done with each service's own kind of target (issue 17): SharePoint Online saves site
// collections, Exchange Online and OneDrive users; the pure rules the API applies around Graph.
import { describe, expect, it } from 'vitest';
import { completeProvisioning, extendProtection } from './provisioning.js';
import { checkTargetKind, checkUserTargets, verifiedSites } from './service-targets.js';
import {
  consentedTenant,
  errorOf,
  protectedTenant,
  site,
  siteRange,
  START,
  target,
  valueOf,
} from './test-support/fixtures.js';

describe('Done for SharePoint Online', () => {
  it('saves the selected sites (each once), not users, and asks for their first sync', () => {
    const done = valueOf(
      completeProvisioning(consentedTenant('sharePointOnline'), 'sharePointOnline', {
        scope: 'selectedUsers',
        sites: [site(1), site(2), { ...site(2), displayName: 'again' }],
        now: START,
      }),
    );
    const account = done.provisioning.services.sharePointOnline;
    expect(account).toMatchObject({ status: 'protected', scope: 'selectedUsers', targets: [] });
    expect(account.sites).toEqual([site(1), site(2)]);
    expect(done.events).toContainEqual(expect.objectContaining({ kind: 'scopeSaved', targetCount: 2 }));
    expect(done.events).toContainEqual(
      expect.objectContaining({ kind: 'serviceProtected', message: 'SharePoint Online protected.' }),
    );
  });

  it('refuses 101 sites, none, and users; the same sites in another order are no change', () => {
    const consented = consentedTenant('sharePointOnline');
    const input = { scope: 'selectedUsers' as const, now: START };
    expect(
      errorOf(completeProvisioning(consented, 'sharePointOnline', { ...input, sites: siteRange(101) })),
    ).toMatchObject({ code: 'site_limit_exceeded', limit: 100 });
    expect(
      errorOf(completeProvisioning(consented, 'sharePointOnline', { ...input, sites: [] })),
    ).toMatchObject({
      code: 'targets_required',
      message: 'Add at least one site collection to Selected Targets.',
    });
    expect(
      errorOf(completeProvisioning(consented, 'sharePointOnline', { ...input, targets: [target(1)] })),
    ).toMatchObject({ code: 'target_kind_mismatch' });

    const saved = protectedTenant('sharePointOnline', 'selectedUsers', { sites: [site(1), site(2)] });
    const again = valueOf(
      completeProvisioning(saved, 'sharePointOnline', { ...input, sites: [site(2), site(1)] }),
    );
    expect(again.provisioning).toBe(saved);
    expect(again.events).toEqual([]);
  });

  it('all targets, or Extend, clears the selected sites', () => {
    const saved = protectedTenant('sharePointOnline', 'selectedUsers', { sites: [site(1)] });
    const all = valueOf(
      completeProvisioning(saved, 'sharePointOnline', {
        scope: 'allUsersAndGroups',
        sites: [site(1)],
        now: START,
      }),
    );
    expect(all.provisioning.services.sharePointOnline).toMatchObject({
      scope: 'allUsersAndGroups',
      sites: [],
    });
    const extended = valueOf(extendProtection(saved, START));
    expect(extended.provisioning.services.sharePointOnline).toMatchObject({
      scope: 'allUsersAndGroups',
      sites: [],
    });
  });
});

describe('Done for Exchange Online and OneDrive', () => {
  it('refuses sites sent for a service that picks users', () => {
    expect(errorOf(checkTargetKind('exchangeOnline', { sites: [site(1)] }))).toMatchObject({
      code: 'target_kind_mismatch',
      service: 'exchangeOnline',
    });
    expect(errorOf(checkTargetKind('oneDrive', { sites: [site(1)] })).message).toMatch(/OneDrive accounts/);
    expect(checkTargetKind('oneDrive', { targets: [target(1)], sites: [] }).ok).toBe(true);
  });

  it('names every user without a mailbox; one user gets core’s own sentence', () => {
    const holder = { mailbox: true, oneDrive: true };
    const none = { mailbox: false, oneDrive: false };
    const users = [
      { userId: '1', userPrincipalName: 'a@contoso.com', holdings: holder },
      { userId: '2', userPrincipalName: 'b@contoso.com', holdings: none },
      { userId: '3', userPrincipalName: 'c@contoso.com', holdings: { mailbox: false, oneDrive: true } },
    ];
    const refused = errorOf(checkUserTargets('exchangeOnline', users));
    expect(refused).toMatchObject({
      code: 'user_without_mailbox',
      users: [
        { userId: '2', userPrincipalName: 'b@contoso.com' },
        { userId: '3', userPrincipalName: 'c@contoso.com' },
      ],
    });
    expect(refused.message).toBe(
      'These users have no Exchange Online mailbox, so Exchange Online has nothing to protect for them: b@contoso.com, c@contoso.com. Remove them from Selected Targets.',
    );
    const one = errorOf(checkUserTargets('oneDrive', users));
    expect(one).toMatchObject({ code: 'user_without_onedrive', users: [{ userId: '2' }] });
    expect(one.message).toBe(
      'b@contoso.com has no OneDrive, so OneDrive has nothing to protect for this user. Remove the user from Selected Targets.',
    );
    expect(checkUserTargets('oneDrive', users.slice(0, 1)).ok).toBe(true);
  });
});

describe('re-verified sites', () => {
  it("takes Graph's URL and name, and refuses any site Graph no longer knows, by URL", () => {
    const renamed = { ...site(1), displayName: 'Marketing (renamed)' };
    expect(valueOf(verifiedSites([site(1)], [renamed]))).toEqual([renamed]);
    const refused = errorOf(verifiedSites([site(1), site(2), site(3)], [site(1), undefined, undefined]));
    expect(refused).toMatchObject({ code: 'sites_not_found', unknown: [site(2), site(3)] });
    expect(refused.message).toContain(`${site(2).webUrl}, ${site(3).webUrl}`);
  });
});
