/**
 * Authentication of `/api/messages` on the real bot server: with Bot Framework authentication
 * every activity needs a Bot Connector token signed by a published key (here a local key server
 * stands in for Bot Framework's) and must come from Teams; the explicit development setting
 * `BOT_AUTHENTICATION=none` lets the Playground's unsigned activities pass, only on this machine.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadBotConfig } from './config.js';
import { startBot } from './start-bot.js';
import { tempStore } from './test-support/temp-store.js';
import type { RunningBot } from './start-bot.js';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const APP_ID = '5f0b4c7e-1d2a-4b3c-9e8f-0a1b2c3d4e5f';
const SERVICE_URL = 'https://smba.trafficmanager.net/emea/';
/** Where the Playground listens: the only kind of service URL an unauthenticated bot answers. */
const LOCAL_SERVICE_URL = 'http://127.0.0.1:56150/';
const EMULATOR_AUTHORITY = 'https://127.0.0.1:5443';
const key = randomBytes(32).toString('base64');
/** The development setting as `npm start` gives it. */
const UNAUTHENTICATED = { BOT_AUTHENTICATION: 'none', AAD_APP_OAUTH_AUTHORITY_HOST: EMULATOR_AUTHORITY };

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let channelKey: KeyPair;
let attackerKey: KeyPair;
let keyServer: Server;
let metadataUrl: string;
let stores: Awaited<ReturnType<typeof tempStore>>[];

function activity(overrides: Record<string, unknown> = {}) {
  return {
    type: 'typing',
    id: 'activity-1',
    channelId: 'msteams',
    serviceUrl: SERVICE_URL,
    from: { id: '29:user', aadObjectId: 'user-1' },
    recipient: { id: `28:${APP_ID}` },
    conversation: { id: 'a:1', tenantId: 'tenant-1', conversationType: 'personal' },
    ...overrides,
  };
}

async function connectorToken(
  signer: KeyPair,
  claims: { aud?: string; iss?: string; serviceurl?: string; expiresIn?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ serviceurl: claims.serviceurl ?? SERVICE_URL })
    .setProtectedHeader({ alg: 'RS256', kid: 'channel-key', typ: 'JWT' })
    .setIssuer(claims.iss ?? 'https://api.botframework.com')
    .setAudience(claims.aud ?? APP_ID)
    .setIssuedAt(now - 60)
    .setNotBefore(now - 60)
    .setExpirationTime(now + (claims.expiresIn ?? 3600))
    .sign(signer.privateKey);
}

async function bot(variables: Record<string, string>): Promise<RunningBot> {
  const stored = await tempStore();
  stores.push(stored);
  const config = loadBotConfig({
    SECRET_BOT_API_KEY: key,
    SECRET_DATA_ENCRYPTION_KEY: key,
    BOT_PORT: '0',
    API_ORIGIN: 'http://127.0.0.1:9',
    ...variables,
  });
  return startBot(config, {
    store: stored.store,
    logger: pino({ level: process.env.DEBUG_BOT === '1' ? 'warn' : 'silent' }),
    channelOpenIdMetadataUrl: metadataUrl,
    deliverOnTimer: false,
  });
}

async function post(running: RunningBot, body: unknown, authorization?: string): Promise<number> {
  return (await postWith(running, body, authorization === undefined ? {} : { authorization })).status;
}

/** POSTs an activity with any headers (node:http, so proxy headers such as `Via` go out as given). */
function postWith(
  running: RunningBot,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; body: { error?: { code?: string } } }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${running.origin}/api/messages`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...headers,
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => {
          let parsed: { error?: { code?: string } } = {};
          try {
            parsed = text === '' ? {} : (JSON.parse(text) as typeof parsed);
          } catch {
            parsed = {};
          }
          resolve({ status: response.statusCode ?? 0, body: parsed });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

beforeAll(async () => {
  stores = [];
  channelKey = await generateKeyPair('RS256', { extractable: true });
  attackerKey = await generateKeyPair('RS256', { extractable: true });
  const jwk = {
    ...(await exportJWK(channelKey.publicKey)),
    kid: 'channel-key',
    use: 'sig',
    // Bot Framework's published keys are endorsed for every channel it connects, not only Teams.
    endorsements: ['msteams', 'webchat', 'directline', 'slack'],
  };
  keyServer = createServer((req, res) => {
    const origin = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}`;
    res.setHeader('content-type', 'application/json');
    if (req.url === '/v1/.well-known/openidconfiguration') {
      res.end(JSON.stringify({ issuer: 'https://api.botframework.com', jwks_uri: `${origin}/v1/keys` }));
    } else if (req.url === '/v1/keys') {
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
  metadataUrl = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/v1/.well-known/openidconfiguration`;
});

afterAll(async () => {
  await new Promise((resolve) => keyServer.close(resolve));
  await Promise.all(stores.map((stored) => stored.dispose()));
});

describe('with a Bot Framework app id (SingleTenant)', () => {
  let running: RunningBot;
  beforeAll(async () => {
    running = await bot({
      BOT_ID: APP_ID,
      SECRET_BOT_PASSWORD: 'not-used-here',
      BOT_TENANT_ID: 'tenant-of-the-bot',
    });
  });
  afterAll(async () => {
    await running.close();
  });

  it('accepts an activity carrying a Bot Connector token', async () => {
    expect(await post(running, activity(), `Bearer ${await connectorToken(channelKey)}`)).toBe(200);
  });

  it.each([
    ['no Authorization header', () => Promise.resolve(undefined)],
    ['a token signed by another key', async () => `Bearer ${await connectorToken(attackerKey)}`],
    [
      'a token for another bot',
      async () => `Bearer ${await connectorToken(channelKey, { aud: 'another-bot' })}`,
    ],
    [
      'a token from another issuer',
      async () => `Bearer ${await connectorToken(channelKey, { iss: 'https://evil.example' })}`,
    ],
    [
      'a token for another service URL',
      async () => `Bearer ${await connectorToken(channelKey, { serviceurl: 'https://evil.example/' })}`,
    ],
    ['an expired token', async () => `Bearer ${await connectorToken(channelKey, { expiresIn: -600 })}`],
    ['a malformed header', () => Promise.resolve('Bearer not-a-jwt')],
  ])('refuses %s with 401', async (_name, authorization) => {
    const header = await authorization();
    expect(await post(running, activity({ type: 'message', text: 'status' }), header)).toBe(401);
  });

  it('refuses a body that is not an activity with 400', async () => {
    expect(await post(running, { hello: 'world' }, `Bearer ${await connectorToken(channelKey)}`)).toBe(400);
  });
});

describe('Bot Framework authentication is on unless explicitly turned off', () => {
  it('a bot without BOT_ID does not start unless BOT_AUTHENTICATION=none says so', async () => {
    expect(() => loadBotConfig({ SECRET_BOT_API_KEY: key, SECRET_DATA_ENCRYPTION_KEY: key })).toThrow(
      /BOT_ID: required/,
    );
    // startBot guards on its own: a configuration built without loadBotConfig is refused too.
    const parsed = loadBotConfig({
      SECRET_BOT_API_KEY: key,
      SECRET_DATA_ENCRYPTION_KEY: key,
      BOT_ID: APP_ID,
      SECRET_BOT_PASSWORD: 'p',
      BOT_TENANT_ID: 't',
      BOT_PORT: '0',
    });
    await expect(startBot({ ...parsed, BOT_ID: '' }, { deliverOnTimer: false })).rejects.toThrow(
      /BOT_ID: required/,
    );
  });

  it('BOT_AUTHENTICATION=none is refused with the production authority', async () => {
    expect(() =>
      loadBotConfig({ SECRET_BOT_API_KEY: key, SECRET_DATA_ENCRYPTION_KEY: key, BOT_AUTHENTICATION: 'none' }),
    ).toThrow(/BOT_AUTHENTICATION: none is refused with the authority https:\/\/login\.microsoftonline\.com/);
    const parsed = loadBotConfig({
      SECRET_BOT_API_KEY: key,
      SECRET_DATA_ENCRYPTION_KEY: key,
      BOT_PORT: '0',
      ...UNAUTHENTICATED,
    });
    await expect(
      startBot(
        { ...parsed, AAD_APP_OAUTH_AUTHORITY_HOST: 'https://login.microsoftonline.com' },
        { deliverOnTimer: false },
      ),
    ).rejects.toBeInstanceOf(ConfigError);
    await expect(startBot({ ...parsed, BOT_HOST: '0.0.0.0' }, { deliverOnTimer: false })).rejects.toThrow(
      /BOT_HOST/,
    );
  });

  it('with Bot Framework authentication, an activity from a channel other than msteams is refused', async () => {
    const running = await bot({
      BOT_ID: APP_ID,
      SECRET_BOT_PASSWORD: 'p',
      BOT_TENANT_ID: 'tenant-of-the-bot',
    });
    try {
      for (const channelId of ['webchat', 'directline', 'slack']) {
        const answer = await postWith(running, activity({ channelId }), {
          authorization: `Bearer ${await connectorToken(channelKey)}`,
        });
        expect({ channelId, status: answer.status, code: answer.body.error?.code }).toEqual({
          channelId,
          status: 403,
          code: 'channel_not_supported',
        });
      }
    } finally {
      await running.close();
    }
  });
});

describe('BOT_AUTHENTICATION=none (the Playground, on this machine)', () => {
  let running: RunningBot;
  beforeAll(async () => {
    running = await bot({ BOT_HOST: '127.0.0.1', ...UNAUTHENTICATED });
  });
  afterAll(async () => {
    await running.close();
  });

  it('accepts unsigned activities from a local client', async () => {
    expect(await post(running, activity({ serviceUrl: LOCAL_SERVICE_URL }))).toBe(200);
  });

  it.each([
    ['X-Forwarded-For', { 'x-forwarded-for': '203.0.113.9' }],
    ['X-Forwarded-Host', { 'x-forwarded-host': 'abc123.devtunnels.ms' }],
    ['X-Forwarded-Proto', { 'x-forwarded-proto': 'https' }],
    ['Forwarded', { forwarded: 'for=203.0.113.9;proto=https' }],
    ['X-Real-IP', { 'x-real-ip': '203.0.113.9' }],
    ['Via', { via: '1.1 tunnel' }],
  ])('an unauthenticated bot refuses an activity that came through a tunnel (%s)', async (_name, headers) => {
    const answer = await postWith(running, activity({ serviceUrl: LOCAL_SERVICE_URL }), headers);
    expect({ status: answer.status, code: answer.body.error?.code }).toEqual({
      status: 403,
      code: 'forwarded_request_refused',
    });
  });

  it.each([SERVICE_URL, 'http://198.51.100.7:8080/', 'https://attacker.example/', 'not a url'])(
    'an unauthenticated bot refuses an activity whose serviceUrl is %s (not this machine)',
    async (serviceUrl) => {
      const conversation = { id: `a:${serviceUrl}`, tenantId: 'tenant-1', conversationType: 'personal' };
      const answer = await postWith(
        running,
        activity({ type: 'message', text: 'status', serviceUrl, conversation }),
        {},
      );
      expect({ status: answer.status, code: answer.body.error?.code }).toEqual({
        status: 403,
        code: 'service_url_not_local',
      });
      // Refused before the turn: nothing was recorded for that conversation.
      expect(await running.store.conversations.get('tenant-1', conversation.id)).toBeUndefined();
    },
  );
});
