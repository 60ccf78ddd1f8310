/**
 * The file the emulator keeps its state in: read once at start (a file it cannot use is moved
 * aside, never fatal), written atomically (temporary file, then rename, so a crash mid-write leaves
 * the previous version), debounced after changes and flushed on close.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Name of the state file under the data directory. */
export const STATE_FILE_NAME = 'state.json';

/** How long after a change the file is written, so a burst of control calls costs one write. */
const DEFAULT_DEBOUNCE_MS = 250;

/** Options of {@link StateFile}. */
export interface StateFileOptions {
  /** Path of the file (`<dataDir>/state.json`). */
  path: string;
  /** The text to save now, or undefined when there is nothing to keep (the file is removed). */
  serialize: () => string | undefined;
  /** Reports a file moved aside or a failed write (the emulator keeps running either way). */
  warn: (message: string) => void;
  /** Delay between a change and the write (default 250 ms). */
  debounceMs?: number;
}

/** One state file: load, debounced atomic saves, clear. */
export class StateFile {
  readonly path: string;
  readonly #options: StateFileOptions;
  #timer: NodeJS.Timeout | undefined;
  /** What the file holds now (undefined: no file), so unchanged state is not rewritten. */
  #written: string | undefined;

  constructor(options: StateFileOptions) {
    this.path = options.path;
    this.#options = options;
  }

  /**
   * Reads and parses the file. Undefined when there is none; when `parse` throws (corrupt,
   * unknown version) the file is renamed to `state.json.corrupt-<time>` with a warning.
   */
  load<T>(parse: (text: string) => T): T | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.#options.warn(
          `Could not read ${this.path} (${messageOf(error)}); starting without saved state.`,
        );
      return undefined;
    }
    try {
      const parsed = parse(text);
      this.#written = text;
      return parsed;
    } catch (error) {
      const aside = `${this.path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      try {
        renameSync(this.path, aside);
        this.#options.warn(
          `Saved emulator state ${this.path} is unusable (${messageOf(error)}); moved it to ${aside} and started without it.`,
        );
      } catch (renameError) {
        this.#options.warn(
          `Saved emulator state ${this.path} is unusable (${messageOf(error)}) and could not be moved aside (${messageOf(renameError)}); started without it.`,
        );
      }
      return undefined;
    }
  }

  /** Saves soon (debounced); the timer does not keep the process alive, {@link close} flushes. */
  schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
    this.#timer.unref();
  }

  /** Saves now if the state differs from what the file holds. A failed write is a warning. */
  flush(): void {
    this.#cancel();
    const temporary = `${this.path}.tmp-${process.pid}`;
    try {
      const text = this.#options.serialize();
      if (text === this.#written) return;
      if (text === undefined) {
        rmSync(this.path, { force: true });
      } else {
        mkdirSync(dirname(this.path), { recursive: true });
        writeFileSync(temporary, text, { mode: 0o600 });
        renameSync(temporary, this.path);
      }
      this.#written = text;
    } catch (error) {
      rmSync(temporary, { force: true });
      this.#options.warn(`Could not save emulator state to ${this.path}: ${messageOf(error)}`);
    }
  }

  /** Deletes the file and forgets any pending save. */
  clear(): void {
    this.#cancel();
    try {
      rmSync(this.path, { force: true });
      this.#written = undefined;
    } catch (error) {
      this.#options.warn(`Could not delete ${this.path}: ${messageOf(error)}`);
    }
  }

  /** Flushes pending changes; call once when the emulator stops. */
  close(): void {
    this.flush();
  }

  #cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
