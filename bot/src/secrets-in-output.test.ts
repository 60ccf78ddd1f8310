// No log line of the bot may carry its app password, its API key, the store's key or any token:
// runs the bot as `startBot` composes it with its own logger at debug level, authenticated as in
// production (a local key server stands in for Bot Framework's), through refused activities and
// card actions whose API calls fail every way an API can fail (answered in the invoke response, so
// nothing leaves for Bot Framework) — then searches everything it wrote for the secrets and for the
// tokens it received and sent.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBotConfig } from './config.js';
import { createLogger } from './logger.js';
import { startBot, type RunningBot } from './start-bot.js';
import { tempStore } from './test-support/temp-store.js';
import type { AddressInfo } from 'node:net';

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;
const APP_ID = '5f0b4c7e-1d2a-4b3c-9e8f-0a1b2c3d4e5f';
const SERVICE_URL = 'https://smba.trafficmanager.net/emea/';
const BOT_PASSWORD = `bot-password-${randomBytes(8).toString('hex')}`;
const apiKey = randomBytes(32).toString('base64');
const storeKey = randomBytes(32).toString('base64');

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let channelKey: KeyPair;
let keyServer: Server;
let api: Server;
let running: RunningBot;
let stored: Awaited<ReturnType<typeof tempStore>>;
const logLines: string[] = [];
const connectorTokens: string[] = [];
/** Authorization headers the bot sent to the API. */
const sentToApi: string[] = [];
/** How the fake API answers next. */
let apiAnswer: 'non-json' | 'refusal' | 'hang-up' = 'non-json';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

async function connectorToken(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ serviceurl: SERVICE_URL })
    .setProtectedHeader({ alg: 'RS256', kid: 'channel-key', typ: 'JWT' })
    .setIssuer('https://api.botframework.com')
    .setAudience(APP_ID)
    .setIssuedAt(now - 60)
    .setNotBefore(now - 60)
    .setExpirationTime(now + 3600)
    .sign(channelKey.privateKey);
  connectorTokens.push(token);
  return token;
}

function activity(overrides: Record<string, unknown>) {
  return {
    id: `activity-${randomBytes(4).toString('hex')}`,
    channelId: 'msteams',
    serviceUrl: SERVICE_URL,
    from: { id: '29:user', aadObjectId: 'user-1' },
    recipient: { id: `28:${APP_ID}` },
    conversation: { id: 'a:1', tenantId: 'tenant-1', conversationType: 'personal' },
    ...overrides,
  };
}

async function post(body: unknown, authorization?: string): Promise<number> {
  const response = await fetch(`${running.origin}/api/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

function press(verb: string) {
  return activity({
    type: 'invoke',
    name: 'adaptiveCard/action',
    value: { action: { type: 'Action.Execute', verb, data: {} }, trigger: 'manual' },
  });
}

beforeAll(async () => {
  channelKey = await generateKeyPair('RS256', { extractable: true });
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
    } else if (req.url === '/v1/keys') res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end('{}');
  });
  const keyOrigin = await listen(keyServer);
  // An API that fails in every way: a 500 that is not JSON, a refusal, a dropped connection.
  api = createServer((req, res) => {
    sentToApi.push(String(req.headers.authorization ?? ''));
    if (apiAnswer === 'hang-up') {
      req.socket.destroy();
      return;
    }
    if (apiAnswer === 'refusal') {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'invalid_token', message: 'The token was refused.' } }));
      return;
    }
    res.writeHead(500, { 'content-type': 'text/html' });
    res.end('<h1>Internal error</h1>');
  });
  const apiOrigin = await listen(api);
  stored = await tempStore();
  running = await startBot(
    loadBotConfig({
      BOT_ID: APP_ID,
      SECRET_BOT_PASSWORD: BOT_PASSWORD,
      BOT_TENANT_ID: 'tenant-of-the-bot',
      SECRET_BOT_API_KEY: apiKey,
      SECRET_DATA_ENCRYPTION_KEY: storeKey,
      BOT_PORT: '0',
      API_ORIGIN: apiOrigin,
      LOG_LEVEL: 'debug',
    }),
    {
      store: stored.store,
      logger: createLogger(
        'debug',
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
            callback();
          },
        }),
      ),
      channelOpenIdMetadataUrl: `${keyOrigin}/v1/.well-known/openidconfiguration`,
      deliverOnTimer: false,
    },
  );

  // Refused: no token, a token that is not a JWT, a token for another bot.
  await post(activity({ type: 'message', text: 'status' }));
  await post(activity({ type: 'message', text: 'status' }), 'Bearer not-a-jwt');
  await post(activity({ type: 'message', text: 'status' }), `Bearer ${BOT_PASSWORD}`);
  // Card actions whose API call fails each way.
  for (const answer of ['non-json', 'refusal', 'hang-up'] as const) {
    apiAnswer = answer;
    for (const verb of ['refreshStatus', 'syncNow']) {
      await post(press(verb), `Bearer ${await connectorToken()}`);
    }
  }
  await running.delivery.deliverPending();
}, 60_000);

afterAll(async () => {
  await running?.close();
  await stored?.dispose();
  await new Promise((resolve) => api?.close(resolve));
  await new Promise((resolve) => keyServer?.close(resolve));
});

describe('secrets and tokens never reach the bot log', () => {
  it('ran enough to mean something: the API was called and its failures were logged', () => {
    expect(sentToApi.filter((header) => header.startsWith('Bearer ')).length).toBeGreaterThan(2);
    expect(logLines.some((line) => /"level":50/.test(line) && line.includes('the API failed'))).toBe(true);
  });

  it.each([
    ['the bot password', () => BOT_PASSWORD],
    ['the API key', () => apiKey],
    ['the store key', () => storeKey],
  ])('no log line contains %s', (_name, secret) => {
    expect(logLines.filter((line) => line.includes(secret()))).toEqual([]);
  });

  it('no log line contains a token: neither a Bot Connector token nor the credential sent to the API', () => {
    const tokens = [...connectorTokens, ...sentToApi.map((header) => header.replace(/^Bearer /, ''))];
    for (const token of tokens.filter(Boolean)) {
      const signature = token.split('.')[2] ?? token;
      expect(logLines.filter((line) => line.includes(signature))).toEqual([]);
    }
    expect(logLines.filter((line) => JWT.test(line))).toEqual([]);
  });
});
