/** Card actions answer with a card; a text reply becomes a one-line card. */
import { noticeCard } from '../cards/notice-card.js';
import type { AdaptiveCard } from '../cards/adaptive-card.js';
import type { BotReply } from '../conversation/turn.js';

/** The reply as a card. */
export function replyCard(reply: BotReply): AdaptiveCard {
  return 'card' in reply ? reply.card : noticeCard({ title: 'Cloud App Security', message: reply.text });
}
