/**
 * What `npm start` hands each process: the whole environment except the secrets the process does
 * not need. A secret is any `SECRET_*` variable, any connection string that can carry a password,
 * and anything named like a credential (`GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`…); each part gets
 * only those its configuration reads, so the tab server and the emulator hold no secret at all and
 * a secret of the developer's shell reaches no part.
 */
import { consentAppSecretVariables } from '@cas/microsoft365';

/** The processes `npm start` runs. */
export type PartName = 'emulator' | 'api' | 'worker' | 'bot' | 'tab';

/** Connection strings that may carry a user name and password. */
const CREDENTIAL_URLS = new Set(['DATABASE_URL', 'SMTP_URL', 'REDIS_URL']);

/** The consent apps' secrets: the API and the worker get tokens from every app. */
const CONSENT_APP_SECRETS = consentAppSecretVariables();

/** The secrets each part's configuration reads (api/src/config.ts, worker/…, bot/…). */
export const PART_SECRETS: Readonly<Record<PartName, readonly string[]>> = {
  emulator: [],
  api: [
    ...CONSENT_APP_SECRETS,
    'SECRET_DATA_ENCRYPTION_KEY',
    'SECRET_BOT_API_KEY',
    'DATABASE_URL',
    'REDIS_URL',
  ],
  worker: [...CONSENT_APP_SECRETS, 'SECRET_DATA_ENCRYPTION_KEY', 'DATABASE_URL', 'SMTP_URL'],
  bot: ['SECRET_BOT_PASSWORD', 'SECRET_BOT_API_KEY', 'SECRET_DATA_ENCRYPTION_KEY', 'DATABASE_URL'],
  tab: [],
};

/** Names that end like a credential's, as other tools name theirs. */
const CREDENTIAL_NAME = /(^|_)(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)$/i;

/** True for a variable that holds a secret. */
export function isSecretVariable(name: string): boolean {
  return name.startsWith('SECRET_') || CREDENTIAL_URLS.has(name) || CREDENTIAL_NAME.test(name);
}

/** The environment of one part: everything in `environment` but the secrets it does not need. */
export function partEnvironment(
  part: PartName,
  environment: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const allowed = new Set(PART_SECRETS[part]);
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(environment)) {
    if (value === undefined) continue;
    if (isSecretVariable(name) && !allowed.has(name)) continue;
    result[name] = value;
  }
  return result;
}
