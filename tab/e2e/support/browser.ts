/**
 * The one place that finds and launches the browser for every end-to-end test and benchmark
 * (`tab/e2e/*`, `scripts/start.test.ts`, `npm run bench:tab`).
 *
 * Which browser, in order:
 * 1. `CAS_BROWSER=packaged`: the Chromium inside the `@sparticuz/chromium` npm package, whatever
 *    else is installed (CI uses it to prove a machine without a system browser works).
 * 2. `CHROMIUM_PATH=/path/to/chromium`: that executable (an error if it is not one).
 * 3. `/usr/bin/chromium` (Debian's Chromium) when it is there.
 * 4. Otherwise the packaged Chromium: `npm install` brought it, so `npm test` needs nothing else.
 * `CAS_BROWSER=system` refuses the fallback (CI uses it to prove it covers Debian's Chromium).
 */
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { err, ok, type Result } from '@cas/core';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, used when present and nothing else is asked for. */
export const SYSTEM_CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for headless Chromium in tests (no sandbox in containers, no background traffic). The
 * packaged Chromium runs with these too, not with `@sparticuz/chromium`'s own `args`: those are
 * for AWS Lambda and include `--disable-web-security`, `--single-process` and
 * `--allow-running-insecure-content`, which would switch off the CSP, CORS and mixed-content
 * behaviour the tests assert.
 */
export const TEST_CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Where the browser comes from. */
export type BrowserSource = 'chromium-path' | 'system' | 'packaged';

/** The browser chosen for this run, before launch. */
export type BrowserChoice =
  | { readonly source: 'chromium-path' | 'system'; readonly executablePath: string }
  | { readonly source: 'packaged' };

/** Why no browser could be chosen. */
export interface BrowserChoiceError {
  readonly code:
    | 'browser_setting_invalid'
    | 'chromium_path_not_executable'
    | 'system_chromium_missing'
    | 'packaged_chromium_unsupported';
  readonly message: string;
}

/** The only platform the npm package carries a Chromium for (its arm64 build is a separate download). */
const PACKAGED_CHROMIUM_PLATFORM = 'linux-x64';

/** The variables that choose the browser. */
export interface BrowserEnvironment {
  readonly CAS_BROWSER?: string | undefined;
  readonly CHROMIUM_PATH?: string | undefined;
}

/** Chooses the browser from `CAS_BROWSER` / `CHROMIUM_PATH` and what is installed (see the module comment). */
export function chooseTestBrowser(
  env: BrowserEnvironment,
  isExecutable: (path: string) => boolean,
  platform = `${process.platform}-${process.arch}`,
): Result<BrowserChoice, BrowserChoiceError> {
  const packaged = (): Result<BrowserChoice, BrowserChoiceError> =>
    platform === PACKAGED_CHROMIUM_PLATFORM
      ? ok({ source: 'packaged' })
      : err({
          code: 'packaged_chromium_unsupported',
          message: `The packaged Chromium runs on Linux x64 only, not ${platform}: set CHROMIUM_PATH to an installed Chrome or Chromium.`,
        });
  const mode = env.CAS_BROWSER?.trim() || 'auto';
  if (mode !== 'auto' && mode !== 'system' && mode !== 'packaged') {
    return err({
      code: 'browser_setting_invalid',
      message: `CAS_BROWSER must be "auto", "system" or "packaged", not "${mode}".`,
    });
  }
  if (mode === 'packaged') return packaged();
  const chromiumPath = env.CHROMIUM_PATH?.trim();
  if (chromiumPath) {
    if (!isExecutable(chromiumPath)) {
      return err({
        code: 'chromium_path_not_executable',
        message: `CHROMIUM_PATH is "${chromiumPath}", which is not an executable file.`,
      });
    }
    return ok({ source: 'chromium-path', executablePath: chromiumPath });
  }
  if (isExecutable(SYSTEM_CHROMIUM_PATH))
    return ok({ source: 'system', executablePath: SYSTEM_CHROMIUM_PATH });
  if (mode === 'system') {
    return err({
      code: 'system_chromium_missing',
      message: `CAS_BROWSER=system, but ${SYSTEM_CHROMIUM_PATH} is missing and CHROMIUM_PATH is not set.`,
    });
  }
  return packaged();
}

/** True when `path` is a file this process may execute. */
export function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The packaged Chromium unpacked on disk, with what it needs to run. */
interface PackagedChromium {
  readonly executablePath: string;
  readonly packageVersion: string;
  /** Its own NSS libraries and font configuration, so it needs nothing from the system. */
  readonly env: Readonly<Record<string, string>>;
}

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Unpacks `@sparticuz/chromium` once per version into `node_modules/.cache/cas-chromium/<version>`
 * and returns where it is. The package unpacks into `os.tmpdir()` under fixed names
 * (`/tmp/chromium`) and reuses whatever is there, even another version's half-written binary;
 * so it runs in a child whose TMPDIR is a private staging folder, renamed into place only when
 * complete — test files starting at once never see a partial browser.
 */
function unpackPackagedChromium(): PackagedChromium {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@sparticuz/chromium');
  const packageDir = join(dirname(entry), '..', '..');
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const cacheRoot = join(REPO_ROOT, 'node_modules', '.cache', 'cas-chromium');
  const target = join(cacheRoot, version);
  const packaged: PackagedChromium = {
    executablePath: join(target, 'chromium'),
    packageVersion: version,
    env: {
      // The headless shell takes its language from LANG, and C.UTF-8 (common in containers) makes
      // navigator.language "en-US@posix", which Intl refuses; Debian's Chromium says "en-US"
      // whatever LANG is, so this one is told the same.
      LANG: 'en_US.UTF-8',
      FONTCONFIG_PATH: join(target, 'fontconfig'),
      LD_LIBRARY_PATH: [join(target, 'al2023', 'lib'), process.env['LD_LIBRARY_PATH']]
        .filter(Boolean)
        .join(':'),
    },
  };
  if (existsSync(packaged.executablePath)) return packaged;

  const staging = join(cacheRoot, `${version}.unpacking-${process.pid}-${Date.now()}`);
  mkdirSync(staging, { recursive: true });
  try {
    const script =
      'const { default: chromium } = await import(process.argv[1]); ' +
      'process.stdout.write(await chromium.executablePath());';
    const result = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script, pathToFileURL(require.resolve('@sparticuz/chromium')).href],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          TMPDIR: staging,
          // The package unpacks the NSS libraries its Chromium is built against (`al2023.tar.br`)
          // only when it believes it runs on AWS Lambda's Amazon Linux 2023; a machine without a
          // system browser usually lacks them, so ask for them in this child only.
          AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
        },
      },
    );
    if (result.status !== 0 || !existsSync(join(staging, 'chromium'))) {
      throw new Error(
        `Unpacking @sparticuz/chromium ${version} failed (exit ${String(result.status)}):\n${result.stderr}`,
      );
    }
    // Its own fonts first (the package's fonts.conf names /tmp/fonts, which is not where they are),
    // then the system's, when it has any, for wider glyph coverage.
    mkdirSync(join(staging, 'fontconfig'));
    writeFileSync(
      join(staging, 'fontconfig', 'fonts.conf'),
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
        '<fontconfig>',
        `  <dir>${join(target, 'fonts', 'fonts')}</dir>`,
        '  <dir>/usr/share/fonts</dir>',
        `  <cachedir>${join(target, 'fontconfig', 'cache')}</cachedir>`,
        '</fontconfig>',
        '',
      ].join('\n'),
    );
    try {
      renameSync(staging, target);
    } catch (error) {
      // Another test file finished first: its copy is complete, use it.
      if (!existsSync(packaged.executablePath)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return packaged;
}

/** A launched browser and the words that say which one it is. */
export interface TestBrowser {
  readonly browser: Browser;
  /** For example "packaged Chromium 143.0.7499.0 (@sparticuz/chromium 143.0.4)". */
  readonly description: string;
  readonly source: BrowserSource;
}

/**
 * Launches the browser chosen by {@link chooseTestBrowser} with {@link TEST_CHROMIUM_ARGS} plus
 * `extraArgs`, and prints which one ran, so every test run's output names its browser.
 */
export async function launchTestBrowser(extraArgs: readonly string[] = []): Promise<TestBrowser> {
  const choice = chooseTestBrowser(process.env, isExecutableFile);
  if (!choice.ok) throw new Error(`${choice.error.code}: ${choice.error.message}`);
  const args = [...TEST_CHROMIUM_ARGS, ...extraArgs];
  let browser: Browser;
  let description: (version: string) => string;
  if (choice.value.source === 'packaged') {
    const packaged = unpackPackagedChromium();
    browser = await chromium.launch({
      executablePath: packaged.executablePath,
      args,
      env: { ...process.env, ...packaged.env },
    });
    description = (version) =>
      `packaged Chromium ${version} (@sparticuz/chromium ${packaged.packageVersion})`;
  } else {
    const { executablePath, source } = choice.value;
    browser = await chromium.launch({ executablePath, args });
    description = (version) =>
      source === 'system'
        ? `system Chromium ${version} (${executablePath})`
        : `Chromium ${version} (CHROMIUM_PATH=${executablePath})`;
  }
  const said = description(browser.version());
  console.log(`Browser: ${said}`);
  return { browser, description: said, source: choice.value.source };
}
