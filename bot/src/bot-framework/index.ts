/** The Bot Framework adapter: the only folder that imports botbuilder (see docs/adr/0004). */
export { createBotAuthentication } from './bot-authentication.js';
export type { BotAuthenticationSettings } from './bot-authentication.js';
export { CasCloudAdapter } from './cas-cloud-adapter.js';
export type { ActivityHttpResult } from './cas-cloud-adapter.js';
export { createProactiveSender, sendOutcomeOf } from './proactive-sender.js';
export { createTurnHandler, ADAPTIVE_CARD_ACTION } from './turn-handler.js';
export type { TurnHandlerOptions } from './turn-handler.js';
