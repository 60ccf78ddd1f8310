/**
 * The consent apps' credentials from the environment, the same variable names for the API and
 * the worker (and `teamsapp.yml`, which writes them). Each app has a client id and either a
 * client secret (local development) or a certificate with its private key, from files or from
 * variables. Problems are named per variable, never with a secret's value.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CONSENT_APP_IDS, CONSENT_APPS, type ConsentAppId } from '@cas/core';
import type { AppCredential } from './app-token-source.js';

/** Prefix of each app's variables: `<PREFIX>_CLIENT_ID`, `SECRET_<PREFIX>_CLIENT_SECRET`, … */
export const CONSENT_APP_ENV_PREFIXES: Readonly<Record<ConsentAppId, string>> = {
  exchangeOnlineEws: 'EXCHANGE_EWS_APP',
  exchangeOnlineGraph: 'EXCHANGE_GRAPH_APP',
  sharePointOnlineGraph: 'SHAREPOINT_APP',
  oneDriveGraph: 'ONEDRIVE_APP',
};

/** The variable names of one app. */
export function consentAppVariables(app: ConsentAppId) {
  const prefix = CONSENT_APP_ENV_PREFIXES[app];
  return {
    clientId: `${prefix}_CLIENT_ID`,
    clientSecret: `SECRET_${prefix}_CLIENT_SECRET`,
    /** When the secret expires (ISO 8601): operators are warned ahead of it. */
    clientSecretExpiresAt: `${prefix}_CLIENT_SECRET_EXPIRES_AT`,
    certificateFile: `${prefix}_CERTIFICATE_FILE`,
    certificatePem: `${prefix}_CERTIFICATE_PEM`,
    privateKeyFile: `${prefix}_PRIVATE_KEY_FILE`,
    privateKeyPem: `SECRET_${prefix}_PRIVATE_KEY`,
  } as const;
}

/** Every app's credentials found, and what is wrong. */
export interface ConsentAppCredentials {
  readonly apps: Partial<Record<ConsentAppId, AppCredential>>;
  /** Client secrets whose expiry the operator gave. */
  readonly secretExpiries: readonly { readonly app: ConsentAppId; readonly expiresAt: string }[];
  /** `NAME: problem`, one per bad or missing variable. */
  readonly problems: readonly string[];
}

/**
 * Reads the credentials of every consent app. `required` apps must have a client id and a
 * credential; the others (the EWS app in the Graph-only configuration) are read when present.
 */
export function readConsentAppCredentials(
  environment: Record<string, string | undefined>,
  required: readonly ConsentAppId[],
): ConsentAppCredentials {
  const get = (name: string): string | undefined => {
    const value = environment[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const apps: Partial<Record<ConsentAppId, AppCredential>> = {};
  const secretExpiries: { app: ConsentAppId; expiresAt: string }[] = [];
  const problems: string[] = [];
  for (const app of CONSENT_APP_IDS) {
    const names = consentAppVariables(app);
    const clientId = get(names.clientId);
    const secret = get(names.clientSecret);
    const certificateSource = get(names.certificateFile) ?? get(names.certificatePem);
    if (clientId === undefined) {
      if (required.includes(app))
        problems.push(`${names.clientId}: required (client id of ${CONSENT_APPS[app].displayName})`);
      continue;
    }
    if (certificateSource !== undefined) {
      const certificate = readCertificate(app, get, problems);
      if (certificate) apps[app] = { clientId, ...certificate };
    } else if (secret !== undefined) {
      apps[app] = { clientId, clientSecret: secret };
      const expiresAt = get(names.clientSecretExpiresAt);
      if (expiresAt !== undefined) {
        if (Number.isNaN(Date.parse(expiresAt)))
          problems.push(`${names.clientSecretExpiresAt}: must be an ISO 8601 date and time`);
        else secretExpiries.push({ app, expiresAt: new Date(expiresAt).toISOString() });
      }
    } else {
      problems.push(
        `${names.clientSecret}: required, or ${names.certificateFile} / ${names.certificatePem} with a private key (credential of ${CONSENT_APPS[app].displayName})`,
      );
    }
  }
  return { apps, secretExpiries, problems };
}

function readCertificate(
  app: ConsentAppId,
  get: (name: string) => string | undefined,
  problems: string[],
): { certificatePem: string; privateKeyPem: string } | undefined {
  const names = consentAppVariables(app);
  const fromFile = (name: string): string | undefined => {
    const path = get(name);
    if (path === undefined) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch {
      problems.push(`${name}: cannot read ${path}`);
      return undefined;
    }
  };
  const certificateText = fromFile(names.certificateFile) ?? get(names.certificatePem);
  if (certificateText === undefined) return undefined;
  const certificatePem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(
    certificateText,
  )?.[0];
  if (!certificatePem) {
    problems.push(`${names.certificateFile}: holds no PEM certificate`);
    return undefined;
  }
  try {
    new X509Certificate(certificatePem);
  } catch {
    problems.push(`${names.certificateFile}: the certificate cannot be read`);
    return undefined;
  }
  // The key: its own file or variable, else the certificate's PEM bundle.
  const keyText = fromFile(names.privateKeyFile) ?? get(names.privateKeyPem) ?? certificateText;
  const privateKeyPem =
    /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/.exec(
      keyText,
    )?.[0];
  if (!privateKeyPem) {
    problems.push(`${names.privateKeyPem}: required with a certificate (or ${names.privateKeyFile})`);
    return undefined;
  }
  try {
    createPrivateKey(privateKeyPem);
  } catch {
    problems.push(`${names.privateKeyPem}: the private key cannot be read`);
    return undefined;
  }
  return { certificatePem, privateKeyPem };
}

/**
 * The variables that configure these apps with client secrets: what `npm start` and the tests
 * hand the API and the worker for the emulator's development registrations.
 */
export function consentAppEnvironment(
  apps: Partial<Record<ConsentAppId, { readonly clientId: string; readonly clientSecret: string }>>,
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const app of CONSENT_APP_IDS) {
    const credential = apps[app];
    if (!credential) continue;
    const names = consentAppVariables(app);
    environment[names.clientId] = credential.clientId;
    environment[names.clientSecret] = credential.clientSecret;
  }
  return environment;
}

/** Every secret variable of the consent apps (the processes that get tokens need them). */
export function consentAppSecretVariables(): string[] {
  return CONSENT_APP_IDS.flatMap((app) => {
    const names = consentAppVariables(app);
    return [names.clientSecret, names.privateKeyPem];
  });
}

/** One registration standing in for every consent app (tests that are not about the split). */
export function everyConsentApp<T>(credential: T): Record<ConsentAppId, T> {
  return Object.fromEntries(CONSENT_APP_IDS.map((app) => [app, credential])) as Record<ConsentAppId, T>;
}
