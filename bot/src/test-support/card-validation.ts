/**
 * Validates a card with the `adaptivecards` package's own parser (the renderer Teams' clients
 * share): every parse event and every validation event is a problem.
 */
import { createRequire } from 'node:module';
import type * as AdaptiveCards from 'adaptivecards';

// The package's `lib/` build is ESM without file extensions, which Node cannot load; its UMD
// bundle is the same code.
const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCards;

/** The parser's complaints about `card` at schema 1.5, as readable strings (empty = valid). */
export function cardProblems(card: unknown): string[] {
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  parsed.parse(card as AdaptiveCards.PropertyBag, context);
  const problems: string[] = [];
  for (let index = 0; index < context.eventCount; index += 1) {
    problems.push(`parse: ${context.getEventAt(index).message}`);
  }
  for (const event of parsed.validateProperties().validationEvents) {
    problems.push(`validate: ${event.message}`);
  }
  return problems;
}

/** Every `Action.Execute` verb in the card, its refresh included. */
export function executeVerbs(card: unknown): string[] {
  const verbs: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      if (record.type === 'Action.Execute' && typeof record.verb === 'string') verbs.push(record.verb);
      Object.values(record).forEach(visit);
    }
  };
  visit(card);
  return verbs;
}

/** All text of the card (TextBlocks and facts), for assertions on what a reader sees. */
export function cardText(card: unknown): string {
  const parts: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      for (const key of ['text', 'title', 'value'] as const) {
        if (typeof record[key] === 'string') parts.push(record[key]);
      }
      Object.entries(record).forEach(([key, child]) => {
        if (key !== 'refresh') visit(child);
      });
    }
  };
  visit(card);
  return parts.join('\n');
}
