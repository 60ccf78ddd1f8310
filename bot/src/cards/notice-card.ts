/** A plain notice: notifications without a card of their own (token restored, scope extended…) and errors. */
import { adaptiveCard, cardTime, heading, paragraph } from './adaptive-card.js';
import type { AdaptiveCard, CardAction, TextBlock } from './adaptive-card.js';

/** What a notice says. */
export interface NoticeCardData {
  readonly title: string;
  readonly message: string;
  readonly tone?: TextBlock['color'];
  /** When it happened. */
  readonly at?: string;
  readonly actions?: readonly CardAction[];
}

/** A heading, a message and optional actions. */
export function noticeCard(data: NoticeCardData): AdaptiveCard {
  return adaptiveCard(
    [
      heading(data.title, data.tone ?? 'Default'),
      paragraph(data.message),
      ...(data.at !== undefined
        ? [paragraph(cardTime(data.at), { isSubtle: true, spacing: 'Small' as const })]
        : []),
    ],
    { actions: data.actions ?? [], fallbackText: data.message },
  );
}
