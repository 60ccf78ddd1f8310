/**
 * What the API, the worker and the bot do alike with their environment: empty variables count as
 * unset (env files have `VAR=` lines), and a bad configuration is refused with one line per
 * variable, all at once, so an operator fixes everything in one go.
 */

/** Configuration was invalid; the message names every bad variable. */
export class ConfigurationError extends Error {
  /** One line per bad variable: `NAME: problem`. */
  readonly problems: readonly string[];

  constructor(component: string, problems: readonly string[]) {
    super(`Invalid ${component} configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigurationError';
    this.problems = problems;
  }
}

/** The variables that have a value; empty ones are left out so defaults apply. */
export function presentVariables(
  environment: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== ''));
}

/** One `NAME: problem` line per validation issue. */
export function configurationProblems(
  issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
  whole = '(root)',
): string[] {
  return issues.map((issue) => `${issue.path.map(String).join('.') || whole}: ${issue.message}`);
}
