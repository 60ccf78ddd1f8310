// The project-file check of `npm run validate:teams`, against a schema folder laid out like the
// one inside the Toolkit CLI (the real schemas are checked by `npm run validate:teams` in CI).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledSchemaVersions, checkProjectFile } from './project-file-schema.js';

const root = mkdtempSync(join(tmpdir(), 'cas-yml-schema-'));
const schemaRoot = join(root, 'yaml-schema');
// A cut-down schema in the shape of Microsoft's: the version is a const, actions are a closed set.
for (const version of ['1.0.0', 'v1.2', 'v1.11']) {
  mkdirSync(join(schemaRoot, version), { recursive: true });
  writeFileSync(
    join(schemaRoot, version, 'yaml.schema.json'),
    JSON.stringify({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      additionalProperties: false,
      required: ['version'],
      properties: {
        version: { type: 'string', const: version },
        environmentFolderPath: { type: 'string', markdownDescription: 'an editor-only keyword' },
        provision: {
          type: 'array',
          items: {
            type: 'object',
            required: ['uses'],
            properties: { uses: { enum: ['teamsApp/create', 'aadApp/create'] }, with: { type: 'object' } },
          },
        },
      },
    }),
  );
}
mkdirSync(join(schemaRoot, 'not-a-schema'));

function projectFile(name: string, text: string): string {
  const file = join(root, name);
  writeFileSync(file, text);
  return file;
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('checking teamsapp.yml against the Toolkit schema of its declared version', () => {
  it('lists the bundled versions in version order, ignoring folders without a schema', () => {
    expect(bundledSchemaVersions(schemaRoot)).toEqual(['1.0.0', 'v1.2', 'v1.11']);
  });

  it('a file that matches its declared version passes', () => {
    const file = projectFile(
      'teamsapp.yml',
      'version: v1.11\nenvironmentFolderPath: ./env\nprovision:\n  - uses: teamsApp/create\n    with:\n      name: x\n',
    );
    expect(checkProjectFile(file, schemaRoot)).toEqual({
      ok: true,
      value: { file: 'teamsapp.yml', version: 'v1.11' },
    });
  });

  it.each([
    [
      'a misspelt action fails, naming where',
      'version: v1.11\nprovision:\n  - uses: teamsApp/creat\n',
      'schema_mismatch',
      '/provision/0/uses',
    ],
    [
      'an unknown top-level key fails, naming it',
      'version: v1.11\nprovison: []\n',
      'schema_mismatch',
      'provison',
    ],
    ['broken YAML fails', 'version: v1.11\nprovision: [\n', 'yaml_invalid', 'teamsapp.yml is not valid YAML'],
    ['a file without a version fails', 'provision: []\n', 'version_missing', 'declares no "version"'],
    [
      'a version the CLI has no schema for fails',
      'version: v9.9\n',
      'schema_version_unknown',
      '1.0.0, v1.2, v1.11',
    ],
  ])('%s', (_name, text, code, named) => {
    const result = checkProjectFile(projectFile('teamsapp.yml', text), schemaRoot);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.message).toContain(named);
  });
});
