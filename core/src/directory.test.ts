import { describe, expect, it } from 'vitest';
import { groupKind, type GroupKind } from './directory.js';

describe('groupKind', () => {
  it.each<[string, Parameters<typeof groupKind>[0], GroupKind]>([
    [
      'Microsoft 365 group',
      { groupTypes: ['Unified'], mailEnabled: true, securityEnabled: false },
      'microsoft365',
    ],
    ['security group', { groupTypes: [], mailEnabled: false, securityEnabled: true }, 'security'],
    [
      'mail-enabled security group',
      { groupTypes: [], mailEnabled: true, securityEnabled: true },
      'mailEnabledSecurity',
    ],
    ['distribution list', { groupTypes: [], mailEnabled: true, securityEnabled: false }, 'distribution'],
    [
      'dynamic Microsoft 365 group',
      { groupTypes: ['Unified', 'DynamicMembership'], mailEnabled: true },
      'microsoft365',
    ],
  ])('classifies a %s', (_name, flags, kind) => {
    expect(groupKind(flags)).toBe(kind);
  });
});
