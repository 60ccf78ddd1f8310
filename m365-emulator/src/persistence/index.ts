/**
 * Keeping the emulator's mutable state across restarts (`persist`): consent (service principals),
 * app registration changes and directory changes, in `<dataDir>/state.json`.
 */
import { createHmac } from 'node:crypto';
import { EmulatorState, parseSavedState, type RestoredStateSummary } from './emulator-state.js';
import { StateFile } from './state-file.js';
import type { EmulatedTenant } from '../contracts.js';
import type { InMemoryDirectoryRegistry } from '../directory/index.js';
import type { EntraService } from '../entra/entra-service.js';
import type { SigningKey } from '../entra/signing-keys.js';

export { STATE_FORMAT, STATE_VERSION, type RestoredStateSummary, type SavedState } from './emulator-state.js';
export { STATE_FILE_NAME } from './state-file.js';

/** Options of {@link openPersistence}. */
export interface PersistenceOptions {
  directories: InMemoryDirectoryRegistry;
  entra: EntraService;
  /** The state file when persisting; undefined keeps everything in memory (nothing read or written). */
  path: string | undefined;
  /** Where warnings go (file moved aside, saved changes that no longer apply, failed writes). */
  warn: (message: string) => void;
}

/** The emulator's view of its saved state. */
export interface EmulatorPersistence {
  /** The state file, or undefined when in memory only. */
  readonly statePath: string | undefined;
  /** What was restored at start (undefined: nothing was saved, or in memory only). */
  readonly restored: RestoredStateSummary | undefined;
  /** Something may have changed: save soon (debounced). */
  changed(): void;
  /** Back to the start-up state (tenants, consent, app registrations) and delete the file. */
  reset(): EmulatedTenant[];
  /** Saves what is pending; call when the emulator stops. */
  close(): void;
}

/**
 * Remembers the start-up state, then (when `path` is set) applies the saved state. Call it after
 * the directories and Entra are built and before the server answers anything.
 */
export function openPersistence(options: PersistenceOptions): EmulatorPersistence {
  const state = new EmulatorState(options.directories, options.entra);
  if (options.path === undefined) {
    return {
      statePath: undefined,
      restored: undefined,
      changed: () => undefined,
      reset: () => state.resetToStart(),
      close: () => undefined,
    };
  }
  const file = new StateFile({
    path: options.path,
    warn: options.warn,
    serialize: () => {
      const saved = state.capture();
      return saved && `${JSON.stringify(saved, null, 2)}\n`;
    },
  });
  // Parsing and applying both happen inside `load`, so a file that fails either is moved aside.
  const restored = file.load((text) => state.restore(parseSavedState(text), options.warn));
  return {
    statePath: file.path,
    restored,
    changed: () => file.schedule(),
    reset: () => {
      const tenants = state.resetToStart();
      file.clear();
      return tenants;
    },
    close: () => file.close(),
  };
}

/**
 * Key for Graph delta tokens that stays the same across restarts on one data directory: derived
 * from the persisted first signing key, so no further secret file is needed.
 */
export function deltaTokenSecret(signingKey: SigningKey): Buffer {
  const keyBytes = signingKey.privateKey.export({ format: 'der', type: 'pkcs8' });
  return createHmac('sha256', keyBytes).update('m365-emulator graph delta tokens').digest();
}
