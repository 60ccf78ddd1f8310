/**
 * Bot Framework authentication of `/api/messages` on the real bot server: with an app id every
 * activity needs a Bot Connector token signed by a published key (here a local key server stands
 * in for Bot Framework's); without one (loopback only) the Playground's unsigned activities pass.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBotConfig } from './config.js';
import { startBot } from './start-bot.js';
import { tempStore } from './test-support/temp-store.js';
import type { RunningBot } from './start-bot.js';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const APP_ID = '5f0b4c7e-1d2a-4b3c-9e8f-0a1b2c3d4e5f';
const SERVICE_URL = 'https://smba.trafficmanager.net/emea/';
const key = randomBytes(32).toString('base64');

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
  const response = await fetch(`${running.origin}/api/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization !== undefined ? { authorization } : {}),
    },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

beforeAll(async () => {
  stores = [];
  channelKey = await generateKeyPair('RS256', { extractable: true });
  attackerKey = await generateKeyPair('RS256', { extractable: true });
  const jwk = {
    ...(await exportJWK(channelKey.publicKey)),
    kid: 'channel-key',
    use: 'sig',
    endorsements: ['msteams'],
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

describe('without an app id, on loopback (Playground)', () => {
  it('accepts unsigned activities', async () => {
    const running = await bot({ BOT_HOST: '127.0.0.1' });
    try {
      expect(await post(running, activity())).toBe(200);
    } finally {
      await running.close();
    }
  });

  it('will not start on a non-loopback address', () => {
    expect(() =>
      loadBotConfig({ SECRET_BOT_API_KEY: key, SECRET_DATA_ENCRYPTION_KEY: key, BOT_HOST: '0.0.0.0' }),
    ).toThrow(/BOT_ID: required/);
  });
});
