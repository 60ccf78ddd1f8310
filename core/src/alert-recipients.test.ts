import { describe, expect, it } from 'vitest';
import {
  ALERT_SKIP_REASONS,
  administratorCheckOf,
  alertAudience,
  alertDecision,
} from './alert-recipients.js';
import type { AdministratorCheck, BotConversation } from './ports.js';

const INSTALLED = '2026-11-27T10:00:00.000Z';

function conversation(overrides: Partial<BotConversation>): BotConversation {
  return {
    tenantId: 'tenant-1',
    conversationId: 'a:1',
    kind: 'personal',
    reference: {},
    installedAt: INSTALLED,
    updatedAt: INSTALLED,
    ownerUserId: null,
    channelNotifications: null,
    administratorCheck: null,
    ...overrides,
  };
}

describe('alertAudience (R15)', () => {
  it.each<[string, Partial<BotConversation>, ReturnType<typeof alertAudience>]>([
    [
      'a personal chat is for its owner, from installation on',
      { ownerUserId: 'owner' },
      { kind: 'administrator', userId: 'owner', since: INSTALLED },
    ],
    ['a personal chat without a known owner gets nothing', {}, { kind: 'nobody', reason: 'ownerUnknown' }],
    [
      'a team channel gets nothing by default',
      { kind: 'channel' },
      { kind: 'nobody', reason: 'notTurnedOn' },
    ],
    [
      'a group chat gets nothing by default',
      { kind: 'groupChat' },
      { kind: 'nobody', reason: 'notTurnedOn' },
    ],
    [
      'a channel an admin turned on is for that admin, from then on',
      {
        kind: 'channel',
        channelNotifications: { enabledBy: 'admin', enabledAt: '2026-11-27T11:00:00.000Z' },
      },
      { kind: 'administrator', userId: 'admin', since: '2026-11-27T11:00:00.000Z' },
    ],
    [
      'a channel owner id is never its audience',
      { kind: 'channel', ownerUserId: 'someone' },
      { kind: 'nobody', reason: 'notTurnedOn' },
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(alertAudience(conversation(overrides))).toEqual(expected);
  });
});

describe('alertDecision', () => {
  const admin: AdministratorCheck = { userId: 'u', isGlobalAdministrator: true, checkedAt: INSTALLED };
  const demoted: AdministratorCheck = { ...admin, isGlobalAdministrator: false };
  it.each<[string, Parameters<typeof alertDecision>, ReturnType<typeof alertDecision>]>([
    ['an admin gets it', ['u', 'administrator', null], { send: true }],
    [
      'a non-admin does not, even if they were one',
      ['u', 'notAdministrator', admin],
      { send: false, reason: ALERT_SKIP_REASONS.notAdministrator },
    ],
    [
      'Graph cannot answer: the last answer for that user stands (admin)',
      ['u', 'unknown', admin],
      { send: true },
    ],
    [
      'Graph cannot answer: the last answer for that user stands (not admin)',
      ['u', 'unknown', demoted],
      { send: false, reason: ALERT_SKIP_REASONS.notAdministrator },
    ],
    [
      'Graph cannot answer and nothing is known: nothing is sent',
      ['u', 'unknown', null],
      { send: false, reason: ALERT_SKIP_REASONS.unverified },
    ],
    [
      'an answer about another user does not count',
      ['u', 'unknown', { ...admin, userId: 'other' }],
      { send: false, reason: ALERT_SKIP_REASONS.unverified },
    ],
  ])('%s', (_name, args, expected) => {
    expect(alertDecision(...args)).toEqual(expected);
  });

  it('records known answers only', () => {
    expect(administratorCheckOf('u', 'administrator', INSTALLED)).toEqual(admin);
    expect(administratorCheckOf('u', 'notAdministrator', INSTALLED)).toEqual(demoted);
    expect(administratorCheckOf('u', 'unknown', INSTALLED)).toBeUndefined();
  });
});
