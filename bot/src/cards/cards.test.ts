import { EXTEND_OFFER_TEXT } from '@cas/core';
import { describe, expect, it } from 'vitest';
import { BOT_COMMANDS } from '../commands/bot-commands.js';
import { statusCardFor } from '../commands/status.js';
import { cardProblems, cardText, executeVerbs } from '../test-support/card-validation.js';
import { provisioningView, syncRun } from '../test-support/fake-api.js';
import { cardTime } from './adaptive-card.js';
import {
  channelNotificationsOffCard,
  channelNotificationsOnCard,
  personalChatNotificationsCard,
} from './channel-notifications-card.js';
import {
  EXTEND_PROTECTION,
  extendedCard,
  extendingCard,
  extendOfferCard,
  extendRefusedCard,
} from './extend-card.js';
import { helpCard } from './help-card.js';
import { noticeCard } from './notice-card.js';
import { serviceProtectedCard } from './service-protected-card.js';
import { statusCard } from './status-card.js';
import { syncRefusedCard, syncRunsCard } from './sync-cards.js';
import { tabLinks } from './tab-links.js';
import { OPEN_SERVICE_ACCOUNT, tokenInvalidCard } from './token-invalid-card.js';
import type { AdaptiveCard } from './adaptive-card.js';

const SYNCHRONIZED_AT = '2026-11-27T11:30:00.000Z';
const COUNTS = {
  exchangeOnline: '1,204 mailboxes',
  sharePointOnline: '37 site collections',
  oneDrive: '980 OneDrive accounts',
} as const;

/** Every service protected in all mode, each with what its last run counted (SharePoint's not run yet). */
function countedView() {
  const view = provisioningView('allUsersAndGroups');
  return {
    ...view,
    services: view.services.map((service) => ({
      ...service,
      protectedTargets:
        service.service === 'oneDrive'
          ? null
          : { count: 1, text: COUNTS[service.service], lastSynchronizedAt: SYNCHRONIZED_AT },
    })),
  };
}

const links = tabLinks('8a7c2b1e-0000-4000-8000-000000000001');

const cards: [string, AdaptiveCard][] = [
  [
    'service protected',
    serviceProtectedCard(
      { service: 'exchangeOnline', protectedAt: '2026-11-27T10:00:00.000Z', scope: 'selectedUsers' },
      links,
    ),
  ],
  [
    'service protected, no details',
    serviceProtectedCard({ service: 'oneDrive', protectedAt: null, scope: null }, links),
  ],
  [
    'token invalid',
    tokenInvalidCard(
      {
        services: ['exchangeOnline', 'sharePointOnline', 'oneDrive'],
        message: 'The access token for Exchange Online, SharePoint Online and OneDrive is invalid.',
        cause: 'consentRevoked',
        missingRoles: [],
        since: '2026-11-27T10:00:00.000Z',
      },
      links,
    ),
  ],
  [
    'token invalid, cause unknown',
    tokenInvalidCard(
      { services: [], message: 'x', cause: null, missingRoles: [], since: '2026-11-27T10:00:00.000Z' },
      links,
    ),
  ],
  ['extend offered', extendOfferCard()],
  ['extending', extendingCard('Alex Wilber')],
  [
    'extended',
    extendedCard({
      services: ['exchangeOnline', 'sharePointOnline', 'oneDrive'],
      message: 'Protection extended.',
    }),
  ],
  ['extend refused', extendRefusedCard({ reason: 'Nothing to extend.', retry: false })],
  [
    'sync started',
    syncRunsCard([
      syncRun(),
      syncRun({ id: 'run-2', service: 'oneDrive', status: 'running', startedAt: '2026-11-27T12:00:01.000Z' }),
    ]),
  ],
  [
    'sync finished',
    syncRunsCard([
      syncRun({
        status: 'succeeded',
        startedAt: '2026-11-27T12:00:00.000Z',
        finishedAt: '2026-11-27T12:01:05.000Z',
        added: 60,
        updated: 2,
        removed: 1,
        graphRequests: 7,
      }),
    ]),
  ],
  [
    'sync failed',
    syncRunsCard([
      syncRun({
        status: 'failed',
        finishedAt: '2026-11-27T12:01:05.000Z',
        startedAt: '2026-11-27T12:00:00.000Z',
        error: 'Graph answered 403.',
      }),
    ]),
  ],
  [
    'sync already queued, one cancelled, one with missing targets',
    syncRunsCard([
      syncRun({ alreadyQueued: true }),
      syncRun({
        id: 'run-3',
        service: 'sharePointOnline',
        status: 'cancelled',
        cancelReason: 'scopeChanged',
      }),
      syncRun({
        id: 'run-4',
        service: 'oneDrive',
        status: 'succeeded',
        missingTargets: [{ userId: 'u-1', userPrincipalName: 'gone@contoso.com', displayName: 'Gone' }],
      }),
    ]),
  ],
  [
    'sync refused with Extend',
    syncRefusedCard({ reason: 'Selected users are not synchronized manually.', extendAvailable: true }),
  ],
  [
    'sync refused',
    syncRefusedCard({ reason: 'Exchange Online is not provisioned yet.', extendAvailable: false }),
  ],
  [
    'status, all users',
    statusCardFor(provisioningView('allUsersAndGroups'), new Date('2026-11-27T12:00:00Z')),
  ],
  [
    'status, selected users',
    statusCardFor(provisioningView('selectedUsers'), new Date('2026-11-27T12:00:00Z')),
  ],
  ['status, nothing provisioned', statusCardFor(provisioningView(null), new Date('2026-11-27T12:00:00Z'))],
  ['status, with protected targets', statusCardFor(countedView(), new Date('2026-11-27T12:00:00Z'))],
  ['help', helpCard(BOT_COMMANDS)],
  ['help for unknown text', helpCard(BOT_COMMANDS, 'hello there')],
  ['alerts turned on here', channelNotificationsOnCard()],
  ['alerts turned off here', channelNotificationsOffCard()],
  ['alerts in a personal chat', personalChatNotificationsCard()],
  [
    'notice',
    noticeCard({
      title: 'Access token valid again',
      message: 'It works.',
      tone: 'Good',
      at: '2026-11-27T10:00:00.000Z',
    }),
  ],
];

describe('cards', () => {
  it.each(cards)('%s is a valid Adaptive Card 1.5 (no parser errors or warnings)', (_name, card) => {
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(cardProblems(card)).toEqual([]);
    expect(card.fallbackText?.length ?? 0).toBeGreaterThan(0);
  });

  it('is checked by a validator that does flag broken cards', () => {
    const broken = {
      ...extendOfferCard(),
      body: [{ type: 'Carousel' }, { type: 'TextBlock', text: 'x', color: 'Purple' }],
    };
    expect(cardProblems(broken).length).toBeGreaterThan(0);
  });

  it('says "Exchange Online protected." when provisioning succeeded', () => {
    expect(cardText(cards[0]?.[1])).toContain('Exchange Online protected.');
  });

  it('shows cause and time of a token-invalid card, and opens Administration > Service Account', () => {
    const card = tokenInvalidCard(
      {
        services: ['exchangeOnline'],
        message: 'm',
        cause: 'consentRevoked',
        missingRoles: [],
        since: '2026-11-27T10:00:00.000Z',
      },
      links,
    );
    expect(cardText(card)).toContain('The admin consent was revoked');
    expect(cardText(card)).toContain(cardTime('2026-11-27T10:00:00.000Z'));
    const open = card.actions?.find((action) => action.title === OPEN_SERVICE_ACCOUNT);
    expect(open).toMatchObject({ type: 'Action.OpenUrl' });
    const url = new URL(open?.type === 'Action.OpenUrl' ? open.url : '');
    expect(url.origin + url.pathname).toBe(
      'https://teams.microsoft.com/l/entity/8a7c2b1e-0000-4000-8000-000000000001/serviceAccount',
    );
    expect(JSON.parse(url.searchParams.get('context') ?? '{}')).toEqual({ subEntityId: 'serviceAccount' });
  });

  it('offers Extend protection as a Universal Action, and moves through Extending… to All targets protected', () => {
    const offer = extendOfferCard();
    expect(cardText(offer)).toContain(EXTEND_OFFER_TEXT);
    expect(offer.actions).toEqual([
      expect.objectContaining({ type: 'Action.Execute', title: EXTEND_PROTECTION, verb: 'extendProtection' }),
    ]);
    expect(cardText(extendingCard(undefined))).toContain('Extending…');
    expect(executeVerbs(extendingCard(undefined))).toEqual([]);
    expect(cardText(extendedCard({ services: ['oneDrive'] }))).toContain('All targets protected');
  });

  it.each([
    [false, []],
    [true, ['extendProtection']],
  ])('refuses Extend with a retry button only when retrying helps (%s)', (retry, verbs) => {
    expect(executeVerbs(extendRefusedCard({ reason: 'r', retry }))).toEqual(verbs);
  });

  it('shows a finished run with its figures and stops refreshing', () => {
    const card = syncRunsCard([
      syncRun({
        status: 'succeeded',
        startedAt: '2026-11-27T12:00:00.000Z',
        finishedAt: '2026-11-27T12:01:05.000Z',
        added: 60,
        updated: 2,
        removed: 1,
        graphRequests: 7,
      }),
    ]);
    const text = cardText(card);
    expect(text).toContain('Synchronization finished');
    for (const figure of ['60', '2', '1', '7', '1 min 5 s']) expect(text).toContain(figure);
    expect(card.refresh).toBeUndefined();
  });

  it('keeps an unfinished sync card refreshing with the ids of its runs', () => {
    const card = syncRunsCard([syncRun({ id: 'a' }), syncRun({ id: 'b', service: 'oneDrive' })]);
    expect(card.refresh?.action).toMatchObject({ verb: 'refreshSyncRuns', data: { runIds: ['a', 'b'] } });
    expect(cardText(card)).toContain('Synchronization started');
  });

  it('says a failed synchronization failed, with its error', () => {
    const text = cardText(syncRunsCard([syncRun({ status: 'failed', error: 'Graph answered 403.' })]));
    expect(text).toContain('Synchronization failed');
    expect(text).toContain('Graph answered 403.');
  });

  it('R13: says the sync request was answered with the runs already queued', () => {
    const card = syncRunsCard([
      syncRun({ alreadyQueued: true }),
      syncRun({ id: 'run-2', service: 'oneDrive', status: 'running', alreadyQueued: true }),
    ]);
    const text = cardText(card);
    expect(text).toContain('Synchronization already queued');
    expect(text).toContain('Already queued');
    expect(text).toContain('Already running');
    // A refreshed card still knows which runs were found queued.
    expect(card.refresh?.action).toMatchObject({ data: { alreadyQueued: ['run-1', 'run-2'] } });
    expect(cardText(syncRunsCard([syncRun({ alreadyQueued: false })]))).not.toContain('already');
  });

  it('R14: shows a cancelled run with the reason it no longer applied', () => {
    const card = syncRunsCard([
      syncRun({ status: 'cancelled', cancelReason: 'scopeChanged', finishedAt: '2026-11-27T12:00:02.000Z' }),
    ]);
    const text = cardText(card);
    expect(text).toContain('Synchronization cancelled');
    expect(text).toContain('Cancelled');
    expect(text).toContain('The scope of Exchange Online changed after this synchronization was requested');
    expect(card.refresh).toBeUndefined();
  });

  it('reports the selected targets a run found missing from the directory', () => {
    const text = cardText(
      syncRunsCard([
        syncRun({
          status: 'succeeded',
          scope: 'selectedUsers',
          missingTargets: [
            { userId: 'u-1', userPrincipalName: 'gone@contoso.com', displayName: 'Gone User' },
          ],
        }),
      ]),
    );
    expect(text).toContain('Missing targets');
    expect(text).toContain('gone@contoso.com');
  });

  it('offers Extend on the R3 refusal only when Extend applies', () => {
    expect(executeVerbs(syncRefusedCard({ reason: 'r', extendAvailable: true }))).toEqual([
      'extendProtection',
    ]);
    expect(cardText(syncRefusedCard({ reason: 'r', extendAvailable: true }))).toContain(EXTEND_OFFER_TEXT);
    expect(executeVerbs(syncRefusedCard({ reason: 'r', extendAvailable: false }))).toEqual([]);
  });

  it.each([
    ['allUsersAndGroups', ['syncNow', 'refreshStatus', 'refreshStatus']],
    ['selectedUsers', ['extendProtection', 'refreshStatus', 'refreshStatus']],
    [null, ['refreshStatus', 'refreshStatus']],
  ] as const)(
    'status card in %s mode offers the actions that apply, and refreshes itself',
    (scope, verbs) => {
      const card = statusCardFor(provisioningView(scope), new Date('2026-11-27T12:00:00Z'));
      expect(executeVerbs(card).sort()).toEqual([...verbs].sort());
      expect(card.refresh?.action.verb).toBe('refreshStatus');
    },
  );

  it('status card names every service with its state and the R3 reason in selected mode', () => {
    const text = cardText(statusCardFor(provisioningView('selectedUsers'), new Date('2026-11-27T12:00:00Z')));
    for (const words of [
      'Exchange Online',
      'SharePoint Online',
      'OneDrive',
      'Protected',
      'Synchronize selected users',
    ]) {
      expect(text).toContain(words);
    }
    expect(text).toContain('Manual synchronization is not available with selected users.');
  });

  it('a finished run says what its service protects after it', () => {
    const finished = (protectedTargets: number | null) =>
      cardText(
        syncRunsCard([
          syncRun({
            service: 'sharePointOnline',
            status: 'succeeded',
            startedAt: '2026-11-27T12:00:00.000Z',
            finishedAt: '2026-11-27T12:00:09.000Z',
            protectedTargets,
          }),
        ]),
      );
    expect(finished(37)).toContain('Protected targets\n37 site collections');
    expect(finished(null)).not.toContain('Protected targets');
  });

  it('the extended card gives each service its own all-targets label', () => {
    const text = cardText(extendedCard({ services: ['exchangeOnline', 'sharePointOnline', 'oneDrive'] }));
    expect(text).toContain('Exchange Online\nSynchronize all users and groups');
    expect(text).toContain('SharePoint Online\nSynchronize all targets');
    expect(text).toContain('OneDrive\nSynchronize all targets');
  });

  it("the service-protected card names the service's own targets and scope label", () => {
    const text = cardText(
      serviceProtectedCard({ service: 'sharePointOnline', protectedAt: null, scope: 'selectedUsers' }, links),
    );
    expect(text).toContain('SharePoint Online protected.');
    expect(text).toContain('Synchronize selected targets');
    expect(text).toContain('site collections');
    expect(text).not.toContain('mailboxes');
  });

  it('status card shows what each service protects and when it was last synchronized', () => {
    const card = statusCardFor(countedView(), new Date('2026-11-27T12:00:00Z'));
    // Each service's section, as the text it shows (a fact's title and value on consecutive lines).
    const factsOf = (name: string): string => {
      const section = card.body.map(cardText).find((text) => text.startsWith(`${name}\n`));
      if (section === undefined) throw new Error(`no section for ${name}`);
      return section;
    };
    const exchange = factsOf('Exchange Online');
    expect(exchange).toContain(`Protected targets\n${COUNTS.exchangeOnline}`);
    expect(exchange).toContain(`Last synchronized\n${cardTime(SYNCHRONIZED_AT)}`);
    expect(exchange).toContain('Synchronize all users and groups');
    const sharePoint = factsOf('SharePoint Online');
    expect(sharePoint).toContain(`Protected targets\n${COUNTS.sharePointOnline}`);
    expect(sharePoint).toContain('Synchronize all targets');
    const oneDrive = factsOf('OneDrive');
    expect(oneDrive).toContain('Protected targets\nNot synchronized yet');
    expect(oneDrive).not.toContain('Last synchronized');
    expect(cardText(statusCardFor(provisioningView(null), new Date()))).not.toContain('Protected targets');
  });

  it('status card shows a broken token with its message', () => {
    const view = provisioningView('allUsersAndGroups');
    const broken = statusCard({
      services: [
        { ...view.services[0]!, status: 'tokenInvalid', tokenFailure: { message: 'Consent was revoked.' } },
      ],
      extend: view.extend,
      manualSync: view.manualSync,
      asOf: '2026-11-27T12:00:00.000Z',
    });
    expect(cardText(broken)).toContain('Access token invalid');
    expect(cardText(broken)).toContain('Consent was revoked.');
  });

  it('status card tells a cancelled last synchronization from a failed one', () => {
    const view = provisioningView('allUsersAndGroups');
    const lastSync = (status: string) =>
      cardText(
        statusCard({
          services: [
            {
              ...view.services[0]!,
              lastSync: {
                status,
                requestedAt: '2026-11-27T11:00:00.000Z',
                finishedAt: '2026-11-27T11:00:05.000Z',
              },
            },
          ],
          extend: view.extend,
          manualSync: view.manualSync,
          asOf: '2026-11-27T12:00:00.000Z',
        }),
      );
    expect(lastSync('cancelled')).toContain('Cancelled');
    expect(lastSync('cancelled')).not.toContain('Failed');
    expect(lastSync('dead')).toContain('Failed');
  });

  it('help lists every command', () => {
    const text = cardText(helpCard(BOT_COMMANDS));
    for (const command of BOT_COMMANDS) expect(text).toContain(command.title);
  });
});
