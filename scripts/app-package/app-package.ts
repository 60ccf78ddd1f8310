/**
 * Builds the Teams app package for one environment: fills the manifest's `${{NAME}}` placeholders
 * from `env/.env.<environment>`, validates the result offline, and zips it with the icons into
 * `appPackage/build/appPackage.<environment>.zip` (the path `teamsapp*.yml` uses too).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { err, ok, type Result } from '@cas/core';
import JSZip from 'jszip';
import { readEnvironment } from './environment-file.js';
import { iconProblems, schemaViolations } from './manifest-checks.js';
import { fillJsonTemplate } from './placeholders.js';

/** Why a package was not built; `problems` are sentences for the terminal. */
export interface PackageFailure {
  readonly code: 'unknown_environment' | 'placeholders' | 'schema' | 'icons';
  readonly problems: readonly string[];
}

/** What was written. */
export interface BuiltPackage {
  readonly zipPath: string;
  /** The filled manifest, beside the zip for reading (`manifest.<environment>.json`). */
  readonly manifestPath: string;
  readonly manifest: Record<string, unknown>;
}

/** Options of `buildAppPackage`. */
export interface BuildOptions {
  /** Repository root holding `appPackage/` and `env/`. */
  readonly root: string;
  /** Environment name: `env/.env.<environment>` supplies the values. */
  readonly environment: string;
}

/** Fills the manifest for an environment without writing anything. */
export async function fillManifest(
  options: BuildOptions,
): Promise<Result<Record<string, unknown>, PackageFailure>> {
  let values;
  try {
    values = await readEnvironment(join(options.root, 'env'), options.environment);
  } catch {
    return err({
      code: 'unknown_environment',
      problems: [`env/.env.${options.environment} does not exist.`],
    });
  }
  const template = await readFile(join(options.root, 'appPackage', 'manifest.json'), 'utf8');
  const filled = fillJsonTemplate(template, values);
  if (!filled.ok) {
    const file = `env/.env.${options.environment}`;
    return err({
      code: 'placeholders',
      problems: [
        ...filled.error.undefinedNames.map(
          (name) => `${name} is used by the manifest but not defined in ${file}.`,
        ),
        ...filled.error.emptyNames.map(
          (name) => `${name} is empty in ${file}: set it (Teams Toolkit's provision writes the ids).`,
        ),
      ],
    });
  }
  return ok(JSON.parse(filled.value) as Record<string, unknown>);
}

/** Fills, validates and zips the app package of an environment. */
export async function buildAppPackage(options: BuildOptions): Promise<Result<BuiltPackage, PackageFailure>> {
  const filled = await fillManifest(options);
  if (!filled.ok) return filled;
  const manifest = filled.value;
  const violations = await schemaViolations(manifest);
  if (violations.length > 0) return err({ code: 'schema', problems: violations });
  const appPackage = join(options.root, 'appPackage');
  const iconIssues = await iconProblems(manifest, appPackage);
  if (iconIssues.length > 0) return err({ code: 'icons', problems: iconIssues });

  const icons = manifest.icons as { color: string; outline: string };
  const zip = new JSZip();
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  // A fixed date keeps the zip byte-for-byte reproducible for the same inputs.
  const date = new Date('2020-01-01T00:00:00Z');
  zip.file('manifest.json', manifestText, { date });
  for (const icon of new Set([icons.color, icons.outline])) {
    zip.file(icon, await readFile(join(appPackage, icon)), { date });
  }
  const build = join(appPackage, 'build');
  await mkdir(build, { recursive: true });
  const zipPath = join(build, `appPackage.${options.environment}.zip`);
  const manifestPath = join(build, `manifest.${options.environment}.json`);
  await writeFile(zipPath, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  await writeFile(manifestPath, manifestText);
  return ok({ zipPath, manifestPath, manifest });
}
