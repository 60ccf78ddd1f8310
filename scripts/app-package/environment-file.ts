/**
 * Reading Teams Toolkit environment files (`env/.env.<name>`): `NAME=value` lines, `#` comments,
 * optional single or double quotes. The toolkit fills `${{NAME}}` placeholders from these files,
 * and so does `npm run package`, so both must read them the same way.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One environment's variables, in file order. */
export type EnvironmentValues = ReadonlyMap<string, string>;

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

/** Parses the text of an env file; later lines win, as in the toolkit's dotenv reader. */
export function parseEnvironmentFile(text: string): EnvironmentValues {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*(#|$)/.test(line)) continue;
    const match = LINE.exec(line);
    if (match === null) continue;
    const [, name = '', raw = ''] = match;
    const quoted = /^(['"])(.*)\1$/.exec(raw);
    // Quotes keep spaces (APP_NAME_SUFFIX=" (local)"); an unquoted value ends at a ` #` comment.
    values.set(name, quoted ? (quoted[2] ?? '') : raw.replace(/\s+#.*$/, ''));
  }
  return values;
}

/** Reads `env/.env.<environment>` under `envFolder`. */
export async function readEnvironment(envFolder: string, environment: string): Promise<EnvironmentValues> {
  return parseEnvironmentFile(await readFile(join(envFolder, `.env.${environment}`), 'utf8'));
}

/**
 * Names of the committed environments in `envFolder`: every `.env.<name>` except the git-ignored
 * `.env.<name>.user` secrets files and their `.sample` templates.
 */
export async function listEnvironments(envFolder: string): Promise<string[]> {
  const files = await readdir(envFolder);
  return files
    .map((file) => /^\.env\.([A-Za-z0-9_-]+)$/.exec(file)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}
