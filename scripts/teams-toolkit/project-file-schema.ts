/**
 * Checks a Teams Toolkit project file (`teamsapp.yml`, `teamsapp.local.yml`) against the JSON
 * schema that the Microsoft 365 Agents Toolkit CLI bundles for the file's declared `version`
 * (`resource/yaml-schema/<version>/yaml.schema.json` inside the CLI package). The CLI has no
 * command that validates these files, and a typo in an action name or a `with:` key would only
 * surface when someone runs `provision` against a real tenant.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { err, ok, type Result } from '@cas/core';
import { Ajv, type ErrorObject } from 'ajv';
import { parseDocument } from 'yaml';

/** Why a project file does not pass. */
export interface ProjectFileError {
  readonly code: 'yaml_invalid' | 'version_missing' | 'schema_version_unknown' | 'schema_mismatch';
  readonly message: string;
}

/** A file that passed, and the schema version it was checked against. */
export interface ProjectFileChecked {
  readonly file: string;
  readonly version: string;
}

/** The schema versions the CLI bundles (folder names under `resource/yaml-schema`), sorted. */
export function bundledSchemaVersions(schemaRoot: string): string[] {
  if (!existsSync(schemaRoot)) return [];
  return readdirSync(schemaRoot)
    .filter((name) => existsSync(join(schemaRoot, name, 'yaml.schema.json')))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

const MAX_ERRORS_SHOWN = 12;

function describe(error: ErrorObject): string {
  const where = error.instancePath || '/';
  const extra =
    error.keyword === 'additionalProperties'
      ? ` (${String((error.params as { additionalProperty?: unknown }).additionalProperty)})`
      : error.keyword === 'enum' || error.keyword === 'const'
        ? ` (${JSON.stringify(error.params)})`
        : '';
  return `${where} ${error.message ?? error.keyword}${extra}`;
}

/** Parses `file` and validates it against the bundled schema of its `version`. */
export function checkProjectFile(
  file: string,
  schemaRoot: string,
): Result<ProjectFileChecked, ProjectFileError> {
  const name = basename(file);
  const document = parseDocument(readFileSync(file, 'utf8'));
  if (document.errors.length > 0) {
    return err({
      code: 'yaml_invalid',
      message: `${name} is not valid YAML: ${document.errors.map((error) => error.message).join('; ')}`,
    });
  }
  const content: unknown = document.toJS();
  const version =
    typeof content === 'object' && content !== null ? (content as { version?: unknown }).version : undefined;
  if (typeof version !== 'string' || version.trim() === '') {
    return err({
      code: 'version_missing',
      message: `${name} declares no "version" (for example "version: v1.11").`,
    });
  }
  const versions = bundledSchemaVersions(schemaRoot);
  if (!versions.includes(version)) {
    return err({
      code: 'schema_version_unknown',
      message: `${name} declares version "${version}", but the Toolkit CLI bundles schemas for ${versions.join(', ') || 'no version'}.`,
    });
  }
  const schema = JSON.parse(readFileSync(join(schemaRoot, version, 'yaml.schema.json'), 'utf8')) as object;
  // strict: false — the schemas carry editor keywords (markdownDescription…) that ajv does not know.
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  if (!validate(content)) {
    // An action that matches no branch of the schema's anyOf yields an error per branch: the
    // first lines name the place, the rest is counted.
    const lines = (validate.errors ?? []).map((error) => `  ${describe(error)}`);
    const shown = lines.slice(0, MAX_ERRORS_SHOWN);
    if (lines.length > shown.length) shown.push(`  … and ${lines.length - shown.length} more`);
    return err({
      code: 'schema_mismatch',
      message: `${name} does not match the ${version} schema:\n${shown.join('\n')}`,
    });
  }
  return ok({ file: name, version });
}
