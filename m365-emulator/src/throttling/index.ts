/** Public surface of Graph throttling. */
export * from './graph-throttling.js';
export * from './resource-units.js';
