import { describe, expect, it } from 'vitest';
import { nextDeliveryAttemptAt, notificationDeliveryKey } from './notification-delivery.js';

describe('notificationDeliveryKey', () => {
  it('joins notification, channel and recipient', () => {
    expect(
      notificationDeliveryKey({ notificationId: 'n-1', channel: 'email', recipient: 'admin@contoso.com' }),
    ).toBe('n-1:email:admin@contoso.com');
  });

  it('differs per channel and recipient', () => {
    const keys = new Set(
      (['email', 'teams'] as const).flatMap((channel) =>
        ['a', 'b'].map((recipient) => notificationDeliveryKey({ notificationId: 'n', channel, recipient })),
      ),
    );
    expect(keys.size).toBe(4);
  });
});

describe('nextDeliveryAttemptAt', () => {
  const now = '2025-01-01T00:00:00.000Z';
  it.each([
    [1, '2025-01-01T00:00:30.000Z'],
    [2, '2025-01-01T00:01:00.000Z'],
    [3, '2025-01-01T00:02:00.000Z'],
    [9, '2025-01-01T01:00:00.000Z'],
  ])('after attempt %i retries at %s', (attempts, expected) => {
    expect(nextDeliveryAttemptAt(attempts, now)).toBe(expected);
  });

  it('gives up after the last attempt', () => {
    expect(nextDeliveryAttemptAt(10, now)).toBeNull();
    expect(nextDeliveryAttemptAt(3, now, { baseMs: 1, maxMs: 1, maxAttempts: 3 })).toBeNull();
  });
});
