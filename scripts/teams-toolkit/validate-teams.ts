/**
 * `npm run validate:teams`: the real Teams toolchain checks the project, offline.
 * 1. The Microsoft 365 Agents Toolkit CLI (`atk`) validates `appPackage/manifest.json` for the
 *    environment "local" (schema and validation rules, placeholders filled from env/.env.local).
 * 2. `teamsapp.yml` and `teamsapp.local.yml` are checked against the schema the same CLI bundles
 *    for their declared `version` (the CLI has no command for it).
 *
 * The CLI is not a devDependency: it is ~450 MB in ~550 packages that only this check needs, and
 * its keytar dependency's native build fails without `--ignore-scripts`, which npm cannot apply to
 * one dependency. So it is installed here on first use, pinned, with `--ignore-scripts`, into
 * `node_modules/.cache/cas-teams-toolkit/<version>` (gone with node_modules, like any install).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkProjectFile } from './project-file-schema.js';

/** The Toolkit CLI release this check runs (newest at the time of writing; engines: Node >= 12). */
const TOOLKIT_CLI_VERSION = '1.1.17';
const TOOLKIT_CLI = '@microsoft/m365agentstoolkit-cli';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs npm with the Node that runs this script (npm's own entry when started by `npm run`). */
function npm(args: readonly string[]): ReturnType<typeof spawnSync> {
  const npmCli = process.env['npm_execpath'];
  return npmCli
    ? spawnSync(process.execPath, [npmCli, ...args], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', args, { cwd: root, stdio: 'inherit' });
}

/** Installs the pinned CLI once into the cache folder (atomically) and returns its package folder. */
function ensureToolkitCli(): string {
  const cacheRoot = join(root, 'node_modules', '.cache', 'cas-teams-toolkit');
  const target = join(cacheRoot, TOOLKIT_CLI_VERSION);
  const packageDir = (prefix: string): string => join(prefix, 'node_modules', ...TOOLKIT_CLI.split('/'));
  if (existsSync(join(packageDir(target), 'cli.js'))) return packageDir(target);
  console.log(`== installing ${TOOLKIT_CLI}@${TOOLKIT_CLI_VERSION} (--ignore-scripts) into ${target}`);
  const staging = `${target}.installing-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const installed = npm([
      'install',
      '--prefix',
      staging,
      '--no-save',
      '--no-package-lock',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--loglevel',
      'error',
      `${TOOLKIT_CLI}@${TOOLKIT_CLI_VERSION}`,
    ]);
    if (installed.status !== 0) throw new Error(`npm install ${TOOLKIT_CLI}@${TOOLKIT_CLI_VERSION} failed.`);
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return packageDir(target);
}

const cli = ensureToolkitCli();
let failed = false;

console.log('== atk validate --manifest-file ./appPackage/manifest.json --env local');
const validated = spawnSync(
  process.execPath,
  [
    join(cli, 'cli.js'),
    'validate',
    '--manifest-file',
    './appPackage/manifest.json',
    '--env',
    'local',
    '--telemetry',
    'false',
    '--interactive',
    'false',
  ],
  { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
);
if (validated.status !== 0) {
  console.error(`atk validate failed (exit ${String(validated.status ?? validated.signal)}).`);
  failed = true;
}

console.log('== teamsapp.yml, teamsapp.local.yml against the Toolkit schema of their version');
for (const file of ['teamsapp.yml', 'teamsapp.local.yml']) {
  const checked = checkProjectFile(join(root, file), join(cli, 'resource', 'yaml-schema'));
  if (checked.ok) {
    console.log(`${checked.value.file}: matches the ${checked.value.version} schema`);
  } else {
    console.error(`${checked.error.code}: ${checked.error.message}`);
    failed = true;
  }
}

process.exit(failed ? 1 : 0);
