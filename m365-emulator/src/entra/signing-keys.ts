/**
 * Token signing keys. Entra publishes each RS256 key with a self-signed certificate (`x5c`), its
 * SHA-1 thumbprint (`x5t`) and a `kid` equal to that thumbprint; after a rotation the old key stays
 * published for a while so tokens it signed remain verifiable until they expire.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { certificateDer, forgePublicKey, signCertificate } from '../tls/native-signing.js';

/** One signing key and the certificate that carries it in the JWKS. */
export interface SigningKey {
  readonly kid: string;
  readonly x5t: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Base64 DER of the self-signed certificate (`x5c[0]`). */
  readonly certificate: string;
  readonly createdAt: number;
  /** When a rotation replaced it; undefined for the active key. */
  retiredAt?: number;
}

/** A JWKS entry as Entra publishes it. */
export interface PublishedJwk {
  kty: 'RSA';
  use: 'sig';
  kid: string;
  x5t: string;
  n: string;
  e: string;
  x5c: string[];
}

/** Options for {@link SigningKeyRing}. */
export interface SigningKeyRingOptions {
  /** Clock in ms since the epoch. */
  now: () => number;
  /** The key to start signing with. */
  initialKey: SigningKey;
  /** How long a replaced key stays published (default 24 h, longer than any token it signed lives). */
  graceMs?: number;
}

const DEFAULT_GRACE_MS = 24 * 3600 * 1000;

/** The active signing key plus recently replaced ones. */
export class SigningKeyRing {
  readonly #now: () => number;
  #graceMs: number;
  #keys: SigningKey[];

  constructor(options: SigningKeyRingOptions) {
    this.#now = options.now;
    this.#graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    this.#keys = [options.initialKey];
  }

  /** The key new tokens are signed with. */
  get active(): SigningKey {
    const key = this.#keys[this.#keys.length - 1];
    if (!key) throw new Error('The signing key ring is empty.');
    return key;
  }

  /** Starts signing with a new key; the previous one stays published for `graceMs` (overridable per call). */
  async rotate(graceMs?: number): Promise<{ active: SigningKey; previous: SigningKey }> {
    const next = await createSigningKey(this.#now());
    if (graceMs !== undefined) this.#graceMs = graceMs;
    const previous = this.active;
    previous.retiredAt = this.#now();
    this.#keys.push(next);
    this.#prune();
    return { active: this.active, previous };
  }

  /** Keys a verifier may still use: the active one and those retired less than the grace period ago. */
  published(): SigningKey[] {
    this.#prune();
    return [...this.#keys].reverse();
  }

  /** A published key by `kid`. */
  find(kid: string): SigningKey | undefined {
    return this.published().find((key) => key.kid === kid);
  }

  /** The JWKS document body. */
  jwks(): { keys: PublishedJwk[] } {
    return { keys: this.published().map(toJwk) };
  }

  #prune(): void {
    const now = this.#now();
    this.#keys = this.#keys.filter(
      (key) => key.retiredAt === undefined || key.retiredAt + this.#graceMs > now,
    );
  }
}

function toJwk(key: SigningKey): PublishedJwk {
  const jwk = key.publicKey.export({ format: 'jwk' });
  return {
    kty: 'RSA',
    use: 'sig',
    kid: key.kid,
    x5t: key.x5t,
    n: jwk.n ?? '',
    e: jwk.e ?? '',
    x5c: [key.certificate],
  };
}

const generateRsaKeyPair = promisify(generateKeyPair);

/** Creates an RSA 2048 key (off the event loop) and its self-signed certificate, valid two years. */
export async function createSigningKey(now: number): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgePublicKey(publicKey);
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + 2 * 365 * 24 * 3600 * 1000);
  const subject = [{ name: 'commonName', value: 'accounts.accesscontrol.windows.net' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  signCertificate(cert, privateKey);
  return fromParts(privateKey, certificateDer(cert), now);
}

/**
 * The first signing key, kept in `dir` across restarts: RSA generation is slow on small machines,
 * and tokens a developer's API cached stay verifiable after the emulator restarts.
 */
export async function loadOrCreateSigningKey(dir: string, now: number): Promise<SigningKey> {
  const keyPath = join(dir, 'signing-key.pem');
  const certPath = join(dir, 'signing-cert.der.b64');
  try {
    const privateKey = createPrivateKey(await readFile(keyPath, 'utf8'));
    const der = Buffer.from(await readFile(certPath, 'utf8'), 'base64');
    const notAfter = forge.pki
      .certificateFromAsn1(forge.asn1.fromDer(der.toString('binary')))
      .validity.notAfter.getTime();
    if (notAfter > now) return fromParts(privateKey, der, now);
  } catch {
    // Missing or unreadable: make a new one below.
  }
  const key = await createSigningKey(now);
  await mkdir(dir, { recursive: true });
  // Key first, certificate last: a reader finding the certificate finds a complete key beside it.
  await writeAtomically(keyPath, key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  await writeAtomically(certPath, key.certificate);
  return key;
}

/** Temporary file + rename, so parallel emulators (test workers) never read half a file. */
async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await rename(temporary, path);
}

function fromParts(privateKey: KeyObject, der: Buffer, now: number): SigningKey {
  const x5t = createHash('sha1').update(der).digest('base64url');
  return {
    kid: x5t,
    x5t,
    privateKey,
    publicKey: createPublicKey(privateKey),
    certificate: der.toString('base64'),
    createdAt: now,
  };
}
