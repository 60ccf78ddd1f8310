/**
 * R15: the answers to `notify here` / `notify off` in a team channel or group chat, each with the
 * button that does the opposite, and the answer in a personal chat (where it does not apply).
 */
import { adaptiveCard, execute, heading, paragraph } from './adaptive-card.js';
import type { AdaptiveCard } from './adaptive-card.js';

/** After an admin turned alerts on in a shared conversation. */
export function channelNotificationsOnCard(): AdaptiveCard {
  return adaptiveCard(
    [
      heading('Alerts will be posted in this conversation', 'Good'),
      paragraph(
        'Everyone here, guests included, will see Cloud App Security alerts from now on (invalid access tokens, failed synchronizations, protection changes), as long as the Global Administrator who turned them on keeps that role. Type "notify off" to stop.',
      ),
    ],
    {
      actions: [execute('Stop alerts here', 'channelNotifications', { enabled: false })],
      fallbackText: 'Alerts will be posted in this conversation',
    },
  );
}

/** After an admin turned them off (or they were never on). */
export function channelNotificationsOffCard(): AdaptiveCard {
  return adaptiveCard(
    [
      heading('No alerts will be posted in this conversation'),
      paragraph(
        'Global Administrators still get every alert in their personal chat with Cloud App Security. Type "notify here" to post them here too.',
      ),
    ],
    {
      actions: [execute('Post alerts here', 'channelNotifications', { enabled: true })],
      fallbackText: 'No alerts will be posted in this conversation',
    },
  );
}

/** `notify here` / `notify off` in a personal chat. */
export function personalChatNotificationsCard(): AdaptiveCard {
  return adaptiveCard(
    [
      heading('Alerts in your personal chat'),
      paragraph(
        'In this personal chat you get every Cloud App Security alert while you are a Global Administrator of your tenant; nothing needs turning on. "notify here" and "notify off" are for team channels and group chats.',
      ),
    ],
    { fallbackText: 'Alerts come to this personal chat for Global Administrators' },
  );
}
