/**
 * Which POSTs to `/api/messages` reach the turn logic at all, before any activity is processed.
 * With Bot Framework authentication only Teams' own activities are ours (`channelId` msteams);
 * botbuilder already proves the token and its service URL. With the development setting
 * BOT_AUTHENTICATION=none nothing is proven, so the bot answers only a client on this machine
 * that talks to it directly: a request that passed a tunnel or proxy (forwarding headers) or an
 * activity asking for replies elsewhere (a service URL not on loopback) is refused.
 */
import { err, ok, type Result } from '@cas/core';
import { isLoopbackHost } from '../config.js';
import type { BotConfig } from '../config.js';
import type { IncomingHttpHeaders } from 'node:http';

/** Why a request was refused before its activity was processed. */
export interface AdmissionRefusal {
  readonly status: 403;
  readonly code:
    'channel_not_supported' | 'forwarded_request_refused' | 'service_url_not_local' | 'not_local';
  readonly message: string;
}

/** What the check reads from one request. */
export interface ActivityRequest {
  readonly headers: IncomingHttpHeaders;
  /** The peer's address as the socket reports it. */
  readonly remoteAddress: string | undefined;
  /** The parsed body (an object with a string `type`; the adapter refuses anything else). */
  readonly activity: { readonly channelId?: unknown; readonly serviceUrl?: unknown };
}

/** The only channel a production bot serves. */
export const TEAMS_CHANNEL_ID = 'msteams';

// Headers that tunnels and reverse proxies add (devtunnel, ngrok, cloudflared, nginx, Azure
// front ends). A direct local client such as the Playground sends none of them.
const FORWARDING_HEADERS = new Set([
  'forwarded',
  'via',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'x-original-host',
  'x-original-url',
]);
const FORWARDING_PREFIXES = ['x-forwarded-', 'x-original-forwarded-'];

function isForwardingHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return FORWARDING_HEADERS.has(lower) || FORWARDING_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

function isLocalServiceUrl(serviceUrl: unknown): boolean {
  if (typeof serviceUrl !== 'string') return false;
  try {
    const url = new URL(serviceUrl);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}

function refuse(code: AdmissionRefusal['code'], message: string): Result<void, AdmissionRefusal> {
  return err({ status: 403, code, message });
}

/** Decides whether one request may reach the adapter under the configured authentication. */
export function admitActivity(
  authentication: BotConfig['BOT_AUTHENTICATION'],
  request: ActivityRequest,
): Result<void, AdmissionRefusal> {
  if (authentication === 'botFramework') {
    if (request.activity.channelId !== TEAMS_CHANNEL_ID) {
      return refuse('channel_not_supported', 'This bot serves Microsoft Teams only.');
    }
    return ok(undefined);
  }
  if (request.remoteAddress === undefined || !isLoopbackHost(request.remoteAddress)) {
    return refuse('not_local', 'Without authentication this bot answers clients on this machine only.');
  }
  if (Object.keys(request.headers).some(isForwardingHeader)) {
    return refuse(
      'forwarded_request_refused',
      'This bot runs without authentication and refuses requests that came through a tunnel or proxy. Configure Bot Framework authentication (BOT_ID) to receive activities from Teams.',
    );
  }
  if (!isLocalServiceUrl(request.activity.serviceUrl)) {
    return refuse(
      'service_url_not_local',
      'This bot runs without authentication and replies only to a service URL on this machine.',
    );
  }
  return ok(undefined);
}
