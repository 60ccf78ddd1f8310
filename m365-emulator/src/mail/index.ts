/** Public surface of captured mail. */
export * from './mail-control-handler.js';
export * from './mail-outbox.js';
