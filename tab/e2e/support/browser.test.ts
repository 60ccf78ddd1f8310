// Which browser the end-to-end tests drive, for each setting and machine: the fresh machine
// without a system browser must still get one (the packaged Chromium), and a bad setting must
// say so instead of silently running another browser.
import { describe, expect, it } from 'vitest';
import { chooseTestBrowser, SYSTEM_CHROMIUM_PATH, type BrowserEnvironment } from './browser.js';

const MY_CHROME = '/opt/my-chrome/chrome';

describe('the browser for end-to-end tests', () => {
  it.each<[string, BrowserEnvironment, readonly string[], unknown]>([
    ['a machine without a system browser gets the packaged Chromium', {}, [], { source: 'packaged' }],
    [
      "Debian's Chromium is used when it is installed",
      {},
      [SYSTEM_CHROMIUM_PATH],
      { source: 'system', executablePath: SYSTEM_CHROMIUM_PATH },
    ],
    [
      'CAS_BROWSER=packaged ignores the system browser and CHROMIUM_PATH',
      { CAS_BROWSER: 'packaged', CHROMIUM_PATH: MY_CHROME },
      [SYSTEM_CHROMIUM_PATH, MY_CHROME],
      { source: 'packaged' },
    ],
    [
      'CHROMIUM_PATH wins over the system browser',
      { CHROMIUM_PATH: MY_CHROME },
      [SYSTEM_CHROMIUM_PATH, MY_CHROME],
      { source: 'chromium-path', executablePath: MY_CHROME },
    ],
    [
      'CAS_BROWSER=system accepts CHROMIUM_PATH',
      { CAS_BROWSER: 'system', CHROMIUM_PATH: MY_CHROME },
      [MY_CHROME],
      { source: 'chromium-path', executablePath: MY_CHROME },
    ],
    ['an empty CAS_BROWSER means auto', { CAS_BROWSER: ' ', CHROMIUM_PATH: '' }, [], { source: 'packaged' }],
  ])('%s', (_name, env, executables, expected) => {
    expect(chooseTestBrowser(env, (path) => executables.includes(path))).toEqual({
      ok: true,
      value: expected,
    });
  });

  it.each<[string, BrowserEnvironment, readonly string[], string, string, string?]>([
    [
      'CHROMIUM_PATH naming no executable is refused, not replaced',
      { CHROMIUM_PATH: MY_CHROME },
      [SYSTEM_CHROMIUM_PATH],
      'chromium_path_not_executable',
      MY_CHROME,
    ],
    [
      'CAS_BROWSER=system without a system browser is refused',
      { CAS_BROWSER: 'system' },
      [],
      'system_chromium_missing',
      SYSTEM_CHROMIUM_PATH,
    ],
    [
      'an unknown CAS_BROWSER is refused',
      { CAS_BROWSER: 'firefox' },
      [SYSTEM_CHROMIUM_PATH],
      'browser_setting_invalid',
      '"firefox"',
    ],
    [
      'a Mac without a system browser is told to set CHROMIUM_PATH (the package carries Linux x64 only)',
      {},
      [],
      'packaged_chromium_unsupported',
      'CHROMIUM_PATH',
      'darwin-arm64',
    ],
  ])('%s', (_name, env, executables, code, named, platform = 'linux-x64') => {
    const choice = chooseTestBrowser(env, (path) => executables.includes(path), platform);
    expect(choice.ok).toBe(false);
    if (choice.ok) return;
    expect(choice.error.code).toBe(code);
    expect(choice.error.message).toContain(named);
  });
});
