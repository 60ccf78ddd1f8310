/**
 * Browser-side state of the emulated Entra: who is signed in (a cookie session on the emulator's
 * origin, like Entra's ESTSAUTH cookie), interactions waiting for a sign-in, authorization codes,
 * refresh tokens and pending consent prompts. Everything is in memory and expires.
 */
import { newOpaqueHandle } from './token-minting.js';

/** Name of the session cookie (Entra's own). */
export const SESSION_COOKIE = 'ESTSAUTH';

/** A signed-in browser. */
export interface BrowserSession {
  readonly id: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly authTime: number;
}

/** A request (authorize or admin consent) that was interrupted by the sign-in page. */
export interface PendingInteraction {
  readonly id: string;
  /** Path and query of the interrupted GET, replayed after sign-in. */
  readonly returnPath: string;
  readonly expiresAt: number;
  /** The session that completed the sign-in, so a `prompt=login` replay does not ask again. */
  completedBySession?: string;
}

/** An issued, not yet redeemed authorization code. */
export interface AuthorizationCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly codeChallenge?: string;
  readonly codeChallengeMethod?: string;
  readonly nonce?: string;
  readonly expiresAt: number;
  redeemed: boolean;
}

/** A refresh token's server-side record (the token itself is opaque to clients). */
export interface RefreshGrant {
  readonly clientId: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  /** Web (secret-holding) client: refreshing needs the secret too. */
  readonly confidential: boolean;
  readonly expiresAt: number;
}

/** An admin consent prompt shown to a signed-in admin, awaiting Accept or Cancel. */
export interface ConsentPrompt {
  readonly id: string;
  readonly sessionId: string;
  readonly version: 'v1' | 'v2';
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string | undefined;
  readonly tenantId: string;
  /** Resource app id → roles the Accept grants. */
  readonly grants: ReadonlyMap<string, readonly string[]>;
  /** Resource app id → delegated scopes the Accept grants for all users. */
  readonly delegated: ReadonlyMap<string, readonly string[]>;
  /** `scope` value the v2 success redirect reports. */
  readonly grantedScope: string;
  readonly expiresAt: number;
}

const INTERACTION_MS = 15 * 60 * 1000;
const CODE_MS = 10 * 60 * 1000;
const REFRESH_MS = 90 * 24 * 3600 * 1000;

/** All browser and grant state, with a shared clock. */
export class SignInState {
  readonly #now: () => number;
  readonly #sessions = new Map<string, BrowserSession>();
  readonly #interactions = new Map<string, PendingInteraction>();
  readonly #codes = new Map<string, AuthorizationCode>();
  readonly #refreshGrants = new Map<string, RefreshGrant>();
  readonly #consents = new Map<string, ConsentPrompt>();

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Starts a browser session for a user. */
  openSession(tenantId: string, userId: string): BrowserSession {
    const session = { id: newOpaqueHandle(), tenantId, userId, authTime: this.#now() };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The session behind a cookie value. */
  session(id: string | undefined): BrowserSession | undefined {
    return id ? this.#sessions.get(id) : undefined;
  }

  /** Signs a browser out. */
  closeSession(id: string | undefined): void {
    if (id) this.#sessions.delete(id);
  }

  /** Remembers an interrupted request for replay after sign-in. */
  beginInteraction(returnPath: string): PendingInteraction {
    this.#sweep();
    const interaction = { id: newOpaqueHandle(), returnPath, expiresAt: this.#now() + INTERACTION_MS };
    this.#interactions.set(interaction.id, interaction);
    return interaction;
  }

  /** A live interaction by id. */
  interaction(id: string | null | undefined): PendingInteraction | undefined {
    const interaction = id ? this.#interactions.get(id) : undefined;
    return interaction && interaction.expiresAt > this.#now() ? interaction : undefined;
  }

  /** Issues a single-use authorization code. */
  issueCode(grant: Omit<AuthorizationCode, 'expiresAt' | 'redeemed'>): string {
    this.#sweep();
    const code = newOpaqueHandle();
    this.#codes.set(code, { ...grant, expiresAt: this.#now() + CODE_MS, redeemed: false });
    return code;
  }

  /** Looks up a code without consuming it (the token endpoint decides). */
  code(code: string): AuthorizationCode | undefined {
    return this.#codes.get(code);
  }

  /** Issues a refresh token. */
  issueRefreshToken(grant: Omit<RefreshGrant, 'expiresAt'>): string {
    const token = newOpaqueHandle();
    this.#refreshGrants.set(token, { ...grant, expiresAt: this.#now() + REFRESH_MS });
    return token;
  }

  /** Takes a refresh token out of circulation (Entra rotates them on every use). */
  redeemRefreshToken(token: string): RefreshGrant | 'expired' | undefined {
    const grant = this.#refreshGrants.get(token);
    if (!grant) return undefined;
    this.#refreshGrants.delete(token);
    return grant.expiresAt > this.#now() ? grant : 'expired';
  }

  /** Stores a consent prompt. */
  beginConsent(prompt: Omit<ConsentPrompt, 'id' | 'expiresAt'>): ConsentPrompt {
    this.#sweep();
    const consent = { ...prompt, id: newOpaqueHandle(), expiresAt: this.#now() + INTERACTION_MS };
    this.#consents.set(consent.id, consent);
    return consent;
  }

  /** Takes a live consent prompt (single use). */
  takeConsent(id: string | null): ConsentPrompt | undefined {
    const consent = id ? this.#consents.get(id) : undefined;
    if (!consent || !id) return undefined;
    this.#consents.delete(id);
    return consent.expiresAt > this.#now() ? consent : undefined;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, item] of this.#interactions) if (item.expiresAt <= now) this.#interactions.delete(id);
    for (const [id, item] of this.#consents) if (item.expiresAt <= now) this.#consents.delete(id);
    for (const [id, item] of this.#codes) if (item.expiresAt + CODE_MS <= now) this.#codes.delete(id);
  }
}
