/**
 * The API's OpenAPI description as files, generated from the contracts (`@cas/contracts`):
 * - `lint`: writes it to a temporary file, lints it with Redocly's recommended rules, and checks
 *   that the committed reference (`docs/api/`) is the description of today's contracts;
 * - `docs`: writes `docs/api/openapi.json` and renders `docs/api/reference.html` from it.
 * Redocly runs offline: no telemetry, no update check, the page's scripts inlined.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_INFO, openApiDocument, ROUTES } from '@cas/contracts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const committed = join(root, 'docs', 'api', 'openapi.json');
const page = join(root, 'docs', 'api', 'reference.html');

/** The description as the API serves it, in the form committed under docs/api/. */
export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(ROUTES, API_INFO), null, 2)}\n`;
}

function redocly(args: readonly string[]): void {
  const result = spawnSync(join(root, 'node_modules', '.bin', 'redocly'), args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const command = process.argv[2];
if (command === 'lint') {
  const folder = mkdtempSync(join(tmpdir(), 'cas-openapi-'));
  try {
    const file = join(folder, 'openapi.json');
    writeFileSync(file, openApiText());
    redocly(['lint', '--extends=recommended', '--format=stylish', file]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  if (readFileSync(committed, 'utf8') !== openApiText()) {
    console.error('docs/api/openapi.json is not the description of the contracts: run `npm run docs:api`.');
    process.exit(1);
  }
} else if (command === 'docs') {
  writeFileSync(committed, openApiText());
  redocly(['build-docs', committed, '--inlineBundle', '--output', page, '--title', API_INFO.title]);
} else {
  console.error('usage: openapi.ts lint | docs');
  process.exit(2);
}
