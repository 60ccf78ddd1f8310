/** Turns the API's refusals into words on a card, the same way for every command and action. */
import { noticeCard } from '../cards/notice-card.js';
import type { AdaptiveCard } from '../cards/adaptive-card.js';
import type { ApiRefusal } from '../cas-api/cas-api-client.js';

/** The sentence shown for a refusal: the API's own message, made specific where the bot knows more. */
export function refusalMessage(refusal: ApiRefusal): string {
  if (refusal.status === 401)
    return 'Cloud App Security could not verify who you are. Try again in a moment.';
  if (refusal.status === 403) {
    return 'Only a Global Administrator of this tenant can do this. Ask one of your Global Administrators.';
  }
  if (refusal.status === 429) {
    const seconds = Number(refusal.details.retryAfterSeconds);
    return Number.isFinite(seconds) && seconds > 0
      ? `Too many requests. Try again in ${Math.ceil(seconds)} seconds.`
      : 'Too many requests. Try again in a minute.';
  }
  return refusal.message;
}

/** A card for a refusal of the action named by `title`. */
export function refusalCard(title: string, refusal: ApiRefusal): AdaptiveCard {
  return noticeCard({ title, message: refusalMessage(refusal), tone: 'Warning' });
}

/** The card shown when the API did not answer (never its internals). */
export function unavailableCard(): AdaptiveCard {
  return noticeCard({
    title: 'Cloud App Security is not reachable',
    message: 'The service did not answer. Nothing was changed; try again in a few minutes.',
    tone: 'Attention',
  });
}
