/**
 * `${{NAME}}` placeholders, the Teams Toolkit's syntax for per-environment values in
 * `appPackage/manifest.json`, `aad.*.manifest.json` and `teamsapp*.yml`.
 */
import { err, ok, type Result } from '@cas/core';
import type { EnvironmentValues } from './environment-file.js';

const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * Variables that may be empty: the app's name suffix is empty in production. Every other value
 * ends up in an id, a URL or a domain, where an empty string would install a broken app.
 */
export const MAY_BE_EMPTY: ReadonlySet<string> = new Set(['APP_NAME_SUFFIX']);

/** The distinct placeholder names in `text`, in order of first use. */
export function placeholderNames(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''))];
}

/** Why a template could not be filled. */
export interface UnfilledPlaceholders {
  /** Placeholders with no line in the environment file. */
  readonly undefinedNames: readonly string[];
  /** Placeholders whose line is empty (and not allowed to be). */
  readonly emptyNames: readonly string[];
}

/**
 * Replaces every placeholder in a JSON template with its value, escaped for a JSON string so a
 * quote or backslash in a value cannot change the document's structure.
 */
export function fillJsonTemplate(
  template: string,
  values: EnvironmentValues,
): Result<string, UnfilledPlaceholders> {
  const names = placeholderNames(template);
  const undefinedNames = names.filter((name) => !values.has(name));
  const emptyNames = names.filter((name) => values.get(name) === '' && !MAY_BE_EMPTY.has(name));
  if (undefinedNames.length > 0 || emptyNames.length > 0) return err({ undefinedNames, emptyNames });
  return ok(
    template.replace(PLACEHOLDER, (_whole, name: string) =>
      JSON.stringify(values.get(name) ?? '').slice(1, -1),
    ),
  );
}
