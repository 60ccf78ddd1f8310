// Authorisation over the whole route table: every non-public route, every kind of bad credential.
// The real server and validators run; only the signing keys are local so any token shape can be
// made (expired, foreign issuer, wrong audience, forged signature, bot credentials).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consentAppEnvironment, everyConsentApp } from '@cas/microsoft365';
import { createStore, type DurableStore } from '@cas/store';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BOT_CREDENTIAL_AUDIENCE,
  BOT_CREDENTIAL_ISSUER,
  createAdministratorRoles,
  createBotCredentialValidator,
  createRequestAuthenticator,
} from './auth/bot-credential.js';
import { GLOBAL_ADMINISTRATOR_ROLE_TEMPLATE_ID } from './auth/roles.js';
import { createUserTokenValidator } from './auth/user-token.js';
import { loadApiConfig } from './config.js';
import { createLogger } from './http/logger.js';
import { createMemoryLimiter } from './http/rate-limit.js';
import { createApiServer } from './http/server.js';
import { buildRoutes } from './main.js';
import { readAnswer } from './test-support/contract-check.js';
import type { RouteDefinition } from './http/route.js';
import type { AppTokenSource } from '@cas/microsoft365';
import type { AddressInfo } from 'node:net';
import type { Server } from 'restify';

const AUTHORITY = 'https://login.example.test';
const API_CLIENT_ID = '11111111-2222-4333-8444-555555555555';
const TENANT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const OTHER_TENANT = 'ffffffff-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const ADMIN_ID = '0a0a0a0a-0000-4000-8000-000000000001';
const USER_ID = '0a0a0a0a-0000-4000-8000-000000000002';

let server: Server;
let origin: string;
let store: DurableStore;
let dataDir: string;
let routes: RouteDefinition[];
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let signingKey: PrivateKey;
let forgerKey: PrivateKey;
/** The issuer's published key. */
let jwk: JWK;
const botKey = randomBytes(32);
const encryptionKey = randomBytes(32).toString('base64');
/** Graph, as far as these tests are concerned: ADMIN_ID holds Global Administrator, nobody else. */
const administrators = createAdministratorRoles({
  roles: { isGlobalAdministrator: (_tenant, userId) => Promise.resolve(userId === ADMIN_ID) },
  logger: createLogger('silent'),
});

interface TokenShape {
  tid?: string;
  iss?: string;
  aud?: string;
  scp?: string;
  /** null: no `wids` claim at all (a registration that does not ask for directory roles). */
  wids?: string[] | null;
  oid?: string;
  expiresIn?: number;
  notBefore?: number;
  key?: 'issuer' | 'forger';
}

async function userToken(shape: TokenShape = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const tid = shape.tid ?? TENANT;
  return new SignJWT({
    tid,
    oid: shape.oid ?? ADMIN_ID,
    scp: shape.scp ?? 'access_as_user',
    ...(shape.wids === null ? {} : { wids: shape.wids ?? [GLOBAL_ADMINISTRATOR_ROLE_TEMPLATE_ID] }),
    preferred_username: 'someone@contoso.example',
    name: 'Someone',
    ...(shape.notBefore === undefined ? {} : { nbf: now + shape.notBefore }),
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'issuer-key', typ: 'JWT' })
    .setIssuer(shape.iss ?? `${AUTHORITY}/${tid}/v2.0`)
    .setAudience(shape.aud ?? API_CLIENT_ID)
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (shape.expiresIn ?? 3600))
    .sign(shape.key === 'forger' ? forgerKey : signingKey);
}

async function botCredential(
  shape: {
    sub?: string;
    key?: Uint8Array;
    expiresIn?: number;
    issuedAgo?: number;
    aud?: string;
    jti?: string | null;
  } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ tid: TENANT, name: 'Teams user' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(BOT_CREDENTIAL_ISSUER)
    .setAudience(shape.aud ?? BOT_CREDENTIAL_AUDIENCE)
    .setSubject(shape.sub ?? ADMIN_ID)
    .setIssuedAt(now - (shape.issuedAgo ?? 0))
    .setExpirationTime(now + (shape.expiresIn ?? 60));
  if (shape.jti !== null) jwt.setJti(shape.jti ?? randomUUID());
  return jwt.sign(shape.key ?? botKey);
}

/** The routes the bot calls: the only ones a bot credential opens. */
const BOT_ROUTES = [
  'GET /api/provisioning',
  'POST /api/sync',
  'POST /api/extend',
  'GET /api/sync-runs',
  'GET /api/bot/global-administrator',
  'POST /api/bot/channel-notifications',
];
const routeName = (route: RouteDefinition): string => `${route.method} ${route.path}`;

/** A concrete URL for a route pattern. */
function pathOf(route: RouteDefinition): string {
  return route.path
    .replace(':service', 'exchangeOnline')
    .replace(':step', 'microsoftGraph')
    .replace(':groupId', randomUUID())
    .replace(':id', randomUUID());
}

async function call(route: RouteDefinition, authorization: string | undefined) {
  const response = await fetch(`${origin}${pathOf(route)}`, {
    method: route.method,
    headers: authorization === undefined ? {} : { authorization },
  });
  return readAnswer(response, route.method);
}

beforeAll(async () => {
  const issuerPair = await generateKeyPair('RS256');
  const forgerPair = await generateKeyPair('RS256');
  signingKey = issuerPair.privateKey;
  forgerKey = forgerPair.privateKey;
  jwk = {
    ...(await exportJWK(issuerPair.publicKey)),
    kid: 'issuer-key',
    alg: 'RS256',
    use: 'sig',
  };
  dataDir = mkdtempSync(join(tmpdir(), 'cas-authz-'));
  const config = loadApiConfig({
    AAD_APP_OAUTH_AUTHORITY_HOST: AUTHORITY,
    AAD_APP_CLIENT_ID: API_CLIENT_ID,
    ...consentAppEnvironment(everyConsentApp({ clientId: 'not-used-here', clientSecret: 'not-used-here' })),
    SECRET_DATA_ENCRYPTION_KEY: encryptionKey,
    DATA_DIR: dataDir,
  });
  store = await createStore({ dataDir, encryptionKey: config.SECRET_DATA_ENCRYPTION_KEY });
  // No route under test may get as far as asking Entra for a token.
  const tokens = {
    acquire: () => Promise.reject(new Error('no token source in authorisation tests')),
  } as unknown as AppTokenSource;
  routes = buildRoutes(config, { store, tokens, administrators });
  server = serverOver(routes, store);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

/** The API server over a route table and a store, with local keys (one "API process"). */
function serverOver(table: RouteDefinition[], over: DurableStore): Server {
  const logger = createLogger('silent');
  return createApiServer({
    routes: table,
    logger,
    validateToken: createRequestAuthenticator({
      user: createUserTokenValidator({
        keys: createLocalJWKSet({ keys: [jwk] }),
        audiences: [API_CLIENT_ID],
        issuersFor: (tenantId) => [`${AUTHORITY}/${tenantId}/v2.0`],
        requiredScope: 'access_as_user',
        clockSkewSeconds: 60,
      }),
      bot: createBotCredentialValidator({
        key: botKey,
        administrators,
        uses: over.botCredentialUses,
        clockSkewSeconds: 60,
      }),
    }),
    // The table sends many requests as one user; the rate limit has its own test.
    limiter: createMemoryLimiter({ perUser: 10_000, perAddress: 10_000 }),
  });
}

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const protectedRoutes = (): RouteDefinition[] => routes.filter((route) => route.access !== 'public');
const adminRoutes = (): RouteDefinition[] => routes.filter((route) => route.access === 'globalAdministrator');
/** Routes a user token may call (the bot's own routes answer users 403 `bot_route_only`). */
const forUsers = (route: RouteDefinition): boolean => route.callers !== 'bot';
const readRoutes = (): RouteDefinition[] =>
  routes.filter((route) => route.access === 'administratorOrReader');

const refusedCredentials: [string, () => Promise<string | undefined>, string][] = [
  ['no token', () => Promise.resolve(undefined), 'token_missing'],
  ['not a JWT', () => Promise.resolve('Bearer not-a-token'), 'token_malformed'],
  ['an expired token', async () => `Bearer ${await userToken({ expiresIn: -3600 })}`, 'token_expired'],
  [
    'a token not valid yet',
    async () => `Bearer ${await userToken({ notBefore: 3600 })}`,
    'token_not_yet_valid',
  ],
  [
    'a token for another application',
    async () => `Bearer ${await userToken({ aud: 'api://someone-else' })}`,
    'token_wrong_audience',
  ],
  [
    'a token whose issuer is another tenant',
    async () => `Bearer ${await userToken({ iss: `${AUTHORITY}/${OTHER_TENANT}/v2.0` })}`,
    'token_wrong_issuer',
  ],
  [
    'a token signed by someone else',
    async () => `Bearer ${await userToken({ key: 'forger' })}`,
    'token_signature_invalid',
  ],
  [
    'a token without the API scope',
    async () => `Bearer ${await userToken({ scp: 'User.Read' })}`,
    'token_scope_missing',
  ],
  [
    'a token with no tenant',
    async () => `Bearer ${await userToken({ tid: 'common' })}`,
    'token_claims_missing',
  ],
  [
    'a bot credential signed with another key',
    async () => `Bearer ${await botCredential({ key: randomBytes(32) })}`,
    'token_signature_invalid',
  ],
  [
    'an expired bot credential',
    async () => `Bearer ${await botCredential({ expiresIn: -600, issuedAgo: 700 })}`,
    'token_expired',
  ],
  [
    'a bot credential for another audience',
    async () => `Bearer ${await botCredential({ aud: 'someone' })}`,
    'token_signature_invalid',
  ],
  [
    'a bot credential living too long',
    async () => `Bearer ${await botCredential({ expiresIn: 3600 })}`,
    'token_expired',
  ],
];

describe('authorisation of every protected route', () => {
  it('the route table has protected and admin routes to check', () => {
    expect(protectedRoutes().length).toBeGreaterThanOrEqual(15);
    expect(adminRoutes().length).toBeGreaterThanOrEqual(9);
    expect(
      readRoutes()
        .map((route) => `${route.method} ${route.path}`)
        .sort(),
    ).toEqual([
      'GET /api/notifications',
      'GET /api/policies',
      'GET /api/provisioning',
      'GET /api/service-account',
      'GET /api/sync-runs',
      'POST /api/notifications/:id/read',
    ]);
  });

  it.each(refusedCredentials)('%s → 401 on every protected route', async (_name, credential, code) => {
    const authorization = await credential();
    for (const route of protectedRoutes()) {
      const answer = await call(route, authorization);
      expect({
        route: `${route.method} ${route.path}`,
        status: answer.status,
        code: answer.body.error?.code,
      }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 401,
        code,
      });
    }
  });

  it.each([
    [
      'a signed-in user who is not a Global Administrator',
      async () => `Bearer ${await userToken({ wids: [], oid: USER_ID })}`,
      (route: RouteDefinition) => route.callers !== 'bot',
    ],
    [
      'the bot acting for a user Graph says is not an admin',
      async () => `Bearer ${await botCredential({ sub: USER_ID })}`,
      (route: RouteDefinition) => route.callers === 'bot' || route.callers === 'usersAndBot',
    ],
  ])(
    '%s → 403 on every admin route and every read view it may call; only /api/me is open to all',
    async (_name, credential, opens) => {
      for (const [route, code] of [
        ...adminRoutes()
          .filter(opens)
          .map((each) => [each, 'global_administrator_required'] as const),
        ...readRoutes()
          .filter(opens)
          .map((each) => [each, 'administrator_required'] as const),
      ]) {
        // A bot credential is single-use: a fresh one per request.
        const answer = await call(route, await credential());
        expect({
          route: `${route.method} ${route.path}`,
          status: answer.status,
          code: answer.body.error?.code,
        }).toEqual({ route: `${route.method} ${route.path}`, status: 403, code });
      }
      expect(
        routes
          .filter((route) => route.access === 'signedIn' && route.callers !== 'bot')
          .map((route) => route.path),
      ).toEqual(['/api/me']);
    },
  );

  it('a signed-in user who is not a Global Administrator may still ask who they are', async () => {
    const authorization = `Bearer ${await userToken({ wids: [], oid: USER_ID })}`;
    expect(
      (await call(routes.find((route) => route.path === '/api/me') as RouteDefinition, authorization)).status,
    ).toBe(200);
  });

  it.each([
    ['Global Reader', 'f2ef992c-3afb-46b9-b7cf-a126ee74c451'],
    ['Security Reader', '5d6b6bb7-de71-4623-b4af-96380a352509'],
  ])('a %s passes every read view and is refused every change', async (_role, roleId) => {
    const authorization = `Bearer ${await userToken({ wids: [roleId], oid: USER_ID })}`;
    for (const route of readRoutes()) {
      expect([401, 403]).not.toContain((await call(route, authorization)).status);
    }
    for (const route of adminRoutes().filter(forUsers)) {
      expect((await call(route, authorization)).body.error?.code).toBe('global_administrator_required');
    }
  });

  it('a token without wids whose roles Graph cannot tell → 403 directory_roles_unavailable, never a guess', async () => {
    const authorization = `Bearer ${await userToken({ wids: null })}`;
    for (const route of [...adminRoutes(), ...readRoutes()].filter(forUsers)) {
      const answer = await call(route, authorization);
      expect({ route: route.path, status: answer.status, code: answer.body.error?.code }).toEqual({
        route: route.path,
        status: 403,
        code: 'directory_roles_unavailable',
      });
    }
  });

  it('the bot learns whether a user is a Global Administrator, as Graph says', async () => {
    const route = routes.find((candidate) => routeName(candidate) === 'GET /api/bot/global-administrator')!;
    expect((await call(route, `Bearer ${await botCredential()}`)).body).toEqual({
      tenantId: TENANT,
      userId: ADMIN_ID,
      isGlobalAdministrator: true,
    });
    expect((await call(route, `Bearer ${await botCredential({ sub: USER_ID })}`)).body).toEqual({
      tenantId: TENANT,
      userId: USER_ID,
      isGlobalAdministrator: false,
    });
  });

  it('the bot acting for an admin is treated as that admin of the conversation’s tenant', async () => {
    // Nothing is provisioned in this tenant: past the admin check, the rules refuse the sync.
    const sync = await call(
      routes.find((route) => routeName(route) === 'POST /api/sync')!,
      `Bearer ${await botCredential()}`,
    );
    expect(sync.status).not.toBe(403);
    expect(sync.status).not.toBe(401);
  });

  it('public routes need no token', async () => {
    for (const path of ['/healthz', '/readyz', '/api/openapi.json']) {
      expect((await readAnswer(await fetch(`${origin}${path}`))).status).toBe(200);
    }
  });
});

describe('the bot credential opens only the bot’s routes, once, while fresh', () => {
  it('the route table lets the bot call exactly the routes it uses', () => {
    expect(
      routes
        .filter((route) => route.callers === 'bot' || route.callers === 'usersAndBot')
        .map(routeName)
        .sort(),
    ).toEqual([...BOT_ROUTES].sort());
  });

  it('a bot credential is refused on every route the bot does not call', async () => {
    for (const route of protectedRoutes().filter((candidate) => !BOT_ROUTES.includes(routeName(candidate)))) {
      const answer = await call(route, `Bearer ${await botCredential()}`);
      expect({ route: routeName(route), status: answer.status, code: answer.body.error?.code }).toEqual({
        route: routeName(route),
        status: 403,
        code: 'bot_credential_not_accepted',
      });
    }
  });

  it('a replayed bot credential is refused', async () => {
    const provisioning = routes.find((route) => routeName(route) === 'GET /api/provisioning')!;
    const authorization = `Bearer ${await botCredential()}`;
    expect((await call(provisioning, authorization)).status).toBe(200);
    const replayed = await call(provisioning, authorization);
    expect({ status: replayed.status, code: replayed.body.error?.code }).toEqual({
      status: 401,
      code: 'token_replayed',
    });
  });

  it('a bot credential issued more than a minute (plus clock skew) ago is refused before it expires', async () => {
    const provisioning = routes.find((route) => routeName(route) === 'GET /api/provisioning')!;
    // 130 s old, still 30 s to live, 160 s lifetime: within the old 5-minute limit.
    const stale = await call(
      provisioning,
      `Bearer ${await botCredential({ issuedAgo: 130, expiresIn: 30 })}`,
    );
    expect({ status: stale.status, code: stale.body.error?.code }).toEqual({
      status: 401,
      code: 'token_expired',
    });
  });

  it('a bot credential used at one API process is refused at another on the same database', async () => {
    // A second process: its own store connection and server over the same database file.
    const secondStore = await createStore({ dataDir, encryptionKey: encryptionKey });
    const secondConfig = loadApiConfig({
      AAD_APP_OAUTH_AUTHORITY_HOST: AUTHORITY,
      AAD_APP_CLIENT_ID: API_CLIENT_ID,
      ...consentAppEnvironment(everyConsentApp({ clientId: 'not-used-here', clientSecret: 'not-used-here' })),
      SECRET_DATA_ENCRYPTION_KEY: encryptionKey,
      DATA_DIR: dataDir,
    });
    const tokens = { acquire: () => Promise.reject(new Error('unused')) } as unknown as AppTokenSource;
    const second = serverOver(
      buildRoutes(secondConfig, { store: secondStore, tokens, administrators }),
      secondStore,
    );
    await new Promise<void>((resolve) => second.listen(0, '127.0.0.1', resolve));
    try {
      const authorization = `Bearer ${await botCredential()}`;
      const first = await readAnswer(
        await fetch(`${origin}/api/provisioning`, { headers: { authorization } }),
      );
      expect(first.status).toBe(200);
      const replayed = await readAnswer(
        await fetch(`http://127.0.0.1:${(second.address() as AddressInfo).port}/api/provisioning`, {
          headers: { authorization },
        }),
      );
      expect({ status: replayed.status, code: replayed.body.error?.code }).toEqual({
        status: 401,
        code: 'token_replayed',
      });
    } finally {
      await new Promise<void>((resolve) => second.close(() => resolve()));
      await secondStore.close();
    }
  });

  it.each([
    ['without a jti', { jti: null }],
    ['with an empty jti', { jti: '' }],
  ])('a bot credential %s is refused', async (_name, shape) => {
    const provisioning = routes.find((route) => routeName(route) === 'GET /api/provisioning')!;
    const answer = await call(provisioning, `Bearer ${await botCredential(shape)}`);
    expect({ status: answer.status, code: answer.body.error?.code }).toEqual({
      status: 401,
      code: 'token_claims_missing',
    });
  });

  it('a user token is refused on a route only the bot calls', async () => {
    const botOnly = routes.filter((candidate) => candidate.callers === 'bot');
    expect(botOnly.map(routeName).sort()).toEqual([
      'GET /api/bot/global-administrator',
      'POST /api/bot/channel-notifications',
    ]);
    for (const route of botOnly) {
      const answer = await call(route, `Bearer ${await userToken()}`);
      expect({ route: routeName(route), status: answer.status, code: answer.body.error?.code }).toEqual({
        route: routeName(route),
        status: 403,
        code: 'bot_route_only',
      });
    }
  });
});

describe('OpenAPI description', () => {
  it('describes every route of the table with its access and schemas', async () => {
    const document = (await readAnswer(await fetch(`${origin}/api/openapi.json`))).body as unknown as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { 'x-access': string; requestBody?: unknown; parameters: { name: string }[] }>
      >;
    };
    expect(document.openapi).toBe('3.1.0');
    for (const route of routes) {
      const operation =
        document.paths[route.path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase()];
      expect(operation?.['x-access']).toBe(route.access);
      expect(operation?.requestBody !== undefined).toBe(route.body !== undefined);
    }
    const done = document.paths['/api/services/{service}/provisioning']?.put;
    expect(done?.parameters.map((parameter) => parameter.name)).toEqual(['service']);
    expect(JSON.stringify(done?.requestBody)).toContain('selectedUsers');
  });
});
