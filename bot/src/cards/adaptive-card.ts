/**
 * The subset of Adaptive Cards 1.5 our cards use, as plain typed data (no SDK), plus the Universal
 * Action verbs the bot answers. Tests validate every card with the `adaptivecards` parser.
 */

/** Universal Action (`Action.Execute`) verbs the bot handles, one file each in `actions/`. */
export type ActionVerb =
  'extendProtection' | 'syncNow' | 'refreshStatus' | 'refreshSyncRuns' | 'channelNotifications';

/** A text block. */
export interface TextBlock {
  readonly type: 'TextBlock';
  readonly text: string;
  readonly wrap?: boolean;
  readonly size?: 'Small' | 'Default' | 'Medium' | 'Large' | 'ExtraLarge';
  readonly weight?: 'Lighter' | 'Default' | 'Bolder';
  readonly color?: 'Default' | 'Dark' | 'Light' | 'Accent' | 'Good' | 'Warning' | 'Attention';
  readonly isSubtle?: boolean;
  readonly spacing?: 'None' | 'Small' | 'Default' | 'Medium' | 'Large';
  readonly style?: 'default' | 'heading';
}

/** Label/value pairs. */
export interface FactSet {
  readonly type: 'FactSet';
  readonly facts: readonly { readonly title: string; readonly value: string }[];
  readonly spacing?: TextBlock['spacing'];
  readonly separator?: boolean;
}

/** A group of elements, e.g. one service of the status card. */
export interface Container {
  readonly type: 'Container';
  readonly items: readonly CardElement[];
  readonly style?: 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';
  readonly separator?: boolean;
  readonly spacing?: TextBlock['spacing'];
}

/** Anything a card body holds. */
export type CardElement = TextBlock | FactSet | Container;

/** A Universal Action: the bot receives `adaptiveCard/action` with this verb and data. */
export interface ExecuteAction {
  readonly type: 'Action.Execute';
  readonly title: string;
  readonly verb: ActionVerb;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly style?: 'default' | 'positive' | 'destructive';
}

/** Opens a link (deep link into the tab, or a web page). */
export interface OpenUrlAction {
  readonly type: 'Action.OpenUrl';
  readonly title: string;
  readonly url: string;
}

/** An action of a card. */
export type CardAction = ExecuteAction | OpenUrlAction;

/** An Adaptive Card 1.5. */
export interface AdaptiveCard {
  readonly type: 'AdaptiveCard';
  readonly $schema: typeof ADAPTIVE_CARD_SCHEMA;
  readonly version: '1.5';
  readonly body: readonly CardElement[];
  readonly actions?: readonly CardAction[];
  /** Teams re-runs this action when the card is shown, so viewers see current data. */
  readonly refresh?: { readonly action: ExecuteAction; readonly userIds?: readonly string[] };
  /** Spoken/preview text, also what the notification preview shows. */
  readonly fallbackText?: string;
}

/** The Adaptive Cards JSON schema id. */
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

/** The MIME type of an Adaptive Card attachment and of an `adaptiveCard/action` card answer. */
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** Builds a card from its body and actions. */
export function adaptiveCard(
  body: readonly CardElement[],
  extras: Pick<AdaptiveCard, 'actions' | 'refresh' | 'fallbackText'> = {},
): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: ADAPTIVE_CARD_SCHEMA,
    version: '1.5',
    body,
    ...(extras.actions !== undefined && extras.actions.length > 0 ? { actions: extras.actions } : {}),
    ...(extras.refresh !== undefined ? { refresh: extras.refresh } : {}),
    ...(extras.fallbackText !== undefined ? { fallbackText: extras.fallbackText } : {}),
  };
}

/** A heading line. */
export function heading(text: string, color: TextBlock['color'] = 'Default'): TextBlock {
  return { type: 'TextBlock', text, wrap: true, size: 'Medium', weight: 'Bolder', style: 'heading', color };
}

/** A wrapped paragraph. */
export function paragraph(
  text: string,
  options: Pick<TextBlock, 'color' | 'isSubtle' | 'spacing'> = {},
): TextBlock {
  return { type: 'TextBlock', text, wrap: true, ...options };
}

/** A fact set from [title, value] pairs. */
export function facts(pairs: readonly (readonly [string, string])[]): FactSet {
  return { type: 'FactSet', facts: pairs.map(([title, value]) => ({ title, value })) };
}

/** An `Action.Execute` button. */
export function execute(
  title: string,
  verb: ActionVerb,
  data: Readonly<Record<string, unknown>> = {},
  style?: ExecuteAction['style'],
): ExecuteAction {
  return { type: 'Action.Execute', title, verb, data, ...(style !== undefined ? { style } : {}) };
}

/** Formats an ISO time for a card: Adaptive Cards' DATE/TIME functions render it in the viewer's zone. */
export function cardTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  // The text functions need the RFC 3339 form without milliseconds.
  const rfc3339 = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `{{DATE(${rfc3339}, SHORT)}} {{TIME(${rfc3339})}}`;
}
