import { describe, expect, it } from 'vitest';
import {
  consentStepRequirement,
  EXCHANGE_ONLINE_RESOURCE,
  MICROSOFT_GRAPH_RESOURCE,
  missingRoles,
  requiredConsentSteps,
} from './consent.js';
import { GRAPH_ONLY, WITH_EWS } from './test-support/fixtures.js';

describe('consent steps per service', () => {
  it('R5: Exchange Online asks for EWS in Step 1, then Microsoft Graph in Step 2', () => {
    const steps = requiredConsentSteps('exchangeOnline', WITH_EWS);
    expect(
      steps.map(({ stepNumber, step, resource, roles }) => ({ stepNumber, step, resource, roles })),
    ).toEqual([
      {
        stepNumber: 1,
        step: 'exchangeWebServices',
        resource: {
          displayName: 'Office 365 Exchange Online',
          appId: '00000002-0000-0ff1-ce00-000000000000',
          identifierUri: 'https://outlook.office365.com',
        },
        roles: ['full_access_as_app'],
      },
      {
        stepNumber: 2,
        step: 'microsoftGraph',
        resource: MICROSOFT_GRAPH_RESOURCE,
        // RoleManagement.Read.Directory: the bot's check that its user is a Global Administrator.
        roles: ['User.Read.All', 'GroupMember.Read.All', 'RoleManagement.Read.Directory', 'Mail.ReadWrite'],
      },
    ]);
    expect(steps[0]?.purpose).toContain('quarantine management');
    expect(steps[1]?.purpose).toContain('access all mailboxes');
  });

  it.each([
    [
      'sharePointOnline',
      ['User.Read.All', 'GroupMember.Read.All', 'RoleManagement.Read.Directory', 'Sites.Read.All'],
    ],
    [
      'oneDrive',
      ['User.Read.All', 'GroupMember.Read.All', 'RoleManagement.Read.Directory', 'Files.Read.All'],
    ],
  ] as const)('R5: %s has a single Microsoft Graph step', (service, roles) => {
    for (const options of [WITH_EWS, GRAPH_ONLY]) {
      expect(
        requiredConsentSteps(service, options).map((s) => [s.stepNumber, s.step, s.resource, s.roles]),
      ).toEqual([[1, 'microsoftGraph', MICROSOFT_GRAPH_RESOURCE, roles]]);
    }
  });

  it('R5: with EWS turned off, Exchange Online has one Graph step that also covers quarantine', () => {
    const steps = requiredConsentSteps('exchangeOnline', GRAPH_ONLY);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({
      stepNumber: 1,
      step: 'microsoftGraph',
      roles: ['User.Read.All', 'GroupMember.Read.All', 'RoleManagement.Read.Directory', 'Mail.ReadWrite'],
    });
    expect(steps[0]?.purpose).toContain('quarantine management');
    expect(steps.some((s) => s.resource === EXCHANGE_ONLINE_RESOURCE)).toBe(false);
  });

  it('each step names its own app registration, and no two services share one', () => {
    expect(
      requiredConsentSteps('exchangeOnline', WITH_EWS).map((step) => [step.app, step.appDisplayName]),
    ).toEqual([
      ['exchangeOnlineEws', 'Cloud App Security for Exchange Online (EWS)'],
      ['exchangeOnlineGraph', 'Cloud App Security for Exchange Online'],
    ]);
    expect(requiredConsentSteps('exchangeOnline', GRAPH_ONLY).map((step) => step.app)).toEqual([
      'exchangeOnlineGraph',
    ]);
    expect(requiredConsentSteps('sharePointOnline', WITH_EWS).map((step) => step.app)).toEqual([
      'sharePointOnlineGraph',
    ]);
    expect(requiredConsentSteps('oneDrive', WITH_EWS).map((step) => step.app)).toEqual(['oneDriveGraph']);
  });

  it('R5: looks up one step, and nothing for a step the service does not use', () => {
    expect(consentStepRequirement('exchangeOnline', 'exchangeWebServices', WITH_EWS)?.stepNumber).toBe(1);
    expect(consentStepRequirement('exchangeOnline', 'exchangeWebServices', GRAPH_ONLY)).toBeUndefined();
    expect(consentStepRequirement('oneDrive', 'exchangeWebServices', WITH_EWS)).toBeUndefined();
  });
});

describe('roles proven after consent', () => {
  const graphStep = { roles: ['User.Read.All', 'GroupMember.Read.All', 'Mail.ReadWrite'] };

  it.each([
    ['every role granted', ['Mail.ReadWrite', 'GroupMember.Read.All', 'User.Read.All'], []],
    ['extra roles granted too', ['User.Read.All', 'GroupMember.Read.All', 'Mail.ReadWrite', 'Mail.Send'], []],
    ['one role missing', ['User.Read.All', 'GroupMember.Read.All'], ['Mail.ReadWrite']],
    ['no roles at all', [], ['User.Read.All', 'GroupMember.Read.All', 'Mail.ReadWrite']],
    [
      'a role in another case',
      ['user.read.all', 'GroupMember.Read.All', 'Mail.ReadWrite'],
      ['User.Read.All'],
    ],
    [
      'a narrower role in its place',
      ['User.ReadBasic.All', 'GroupMember.Read.All', 'Mail.Read'],
      ['User.Read.All', 'Mail.ReadWrite'],
    ],
  ])('R6: %s', (_, granted, missing) => {
    expect(missingRoles(graphStep, granted)).toEqual(missing);
  });
});
