/**
 * `npm run package [-- --env <name>]`: writes `appPackage/build/appPackage.<name>.zip` (default
 * environment `local`) or explains, line by line, why it cannot.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAppPackage } from './app-package.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The environment named by `--env <name>`, `--env=<name>` or a bare argument; `local` by default. */
function environmentArgument(args: readonly string[]): string {
  const index = args.indexOf('--env');
  if (index >= 0 && args[index + 1]) return args[index + 1] as string;
  const inline = args.find((arg) => arg.startsWith('--env='));
  if (inline) return inline.slice('--env='.length);
  return args.find((arg) => !arg.startsWith('-')) ?? 'local';
}

const environment = environmentArgument(process.argv.slice(2));
const built = await buildAppPackage({ root, environment });
if (built.ok) {
  console.log(`Teams app package for "${environment}": ${relative(root, built.value.zipPath)}`);
  console.log(`Filled manifest: ${relative(root, built.value.manifestPath)}`);
} else {
  console.error(`npm run package: no package for "${environment}" (${built.error.code}):`);
  for (const problem of built.error.problems) console.error(`  - ${problem}`);
  process.exitCode = 1;
}
