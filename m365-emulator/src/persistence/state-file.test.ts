import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateFile } from './state-file.js';

let dir: string;
let content: string | undefined;
let serialized: number;
let warnings: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-state-file-'));
  content = '{"n":1}';
  serialized = 0;
  warnings = [];
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function stateFile(path = join(dir, 'state.json')): StateFile {
  return new StateFile({
    path,
    debounceMs: 20,
    warn: (message) => warnings.push(message),
    serialize: () => {
      serialized += 1;
      return content;
    },
  });
}

describe('state file', () => {
  it('writes a burst of changes once, after the debounce, through a temporary file', async () => {
    const file = stateFile();
    for (let change = 0; change < 5; change++) file.schedule();
    expect(existsSync(file.path)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(serialized).toBe(1);
    expect(readFileSync(file.path, 'utf8')).toBe('{"n":1}');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('does not rewrite unchanged state, and removes the file when nothing is left to keep', () => {
    const file = stateFile();
    file.flush();
    rmSync(file.path);
    file.flush();
    expect(existsSync(file.path)).toBe(false);
    content = '{"n":2}';
    file.close();
    expect(readFileSync(file.path, 'utf8')).toBe('{"n":2}');
    content = undefined;
    file.flush();
    expect(existsSync(file.path)).toBe(false);
  });

  it('reports a failed write as a warning', () => {
    const path = join(dir, 'taken');
    mkdirSync(path);
    stateFile(path).flush();
    expect(warnings).toEqual([expect.stringContaining(`Could not save emulator state to ${path}`)]);
    expect(readdirSync(dir)).toEqual(['taken']);
  });

  it('loads nothing, silently, when there is no file', () => {
    expect(stateFile().load(JSON.parse)).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('moves a file it cannot parse aside and warns', () => {
    const file = stateFile();
    writeFileSync(file.path, 'not json');
    expect(file.load(JSON.parse)).toBeUndefined();
    const [aside] = readdirSync(dir);
    expect(aside).toMatch(/^state\.json\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
    expect(readFileSync(join(dir, aside ?? ''), 'utf8')).toBe('not json');
    expect(warnings).toEqual([expect.stringContaining(`moved it to ${join(dir, aside ?? '')}`)]);
  });
});
