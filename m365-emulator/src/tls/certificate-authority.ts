/**
 * Local certificate authority and server certificate for the emulator's HTTPS listener.
 * msal-node refuses `http://` authorities, so the emulator must speak TLS; a CA of our own (rather
 * than one self-signed server certificate) lets clients trust one stable file across restarts.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import forge from 'node-forge';
import { forgePublicKey, signCertificate } from './native-signing.js';

/** Default folder for the emulator's files: `<repo>/.data/emulator` (TLS material under `tls/`). */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../.data/emulator/', import.meta.url));

/** PEM files the HTTPS server and its clients need. */
export interface TlsMaterial {
  /** Path of the CA certificate clients trust (`NODE_EXTRA_CA_CERTS` or an explicit `ca`). */
  readonly caPath: string;
  readonly caPem: string;
  /** Server certificate for 127.0.0.1, localhost and ::1, signed by the CA. */
  readonly certPem: string;
  readonly keyPem: string;
}

/** Options for {@link ensureTlsMaterial}. */
export interface TlsOptions {
  /** Folder holding `ca.pem`, `ca-key.pem`, `server.pem`, `server-key.pem`. */
  readonly dir: string;
  /** Current time in ms since the epoch (tests shift it to force regeneration). */
  readonly now?: number;
}

/**
 * The CA lives 90 days: a developer trusts it once per quarter, and a copied CA key is useless
 * soon. Its name constraints limit it to this machine's names for that time anyway.
 */
export const CA_LIFETIME_DAYS = 90;
/** Server certificates are re-issued by the same CA (no new trust needed) every few weeks. */
export const SERVER_LIFETIME_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;
/** Certificates this close to expiry are replaced, so a long-running emulator never serves an expired one. */
const RENEW_MARGIN_MS = 7 * DAY_MS;
const SERVER_NAMES = { dns: ['localhost'], ips: ['127.0.0.1', '::1'] };

/**
 * The CA's NameConstraints (RFC 5280 4.2.1.10), DER: it may only certify `localhost` (and names
 * under it), 127.0.0.1/32 and ::1/128. Even a leaked CA key cannot impersonate any other site to
 * a browser or Node that trusts the CA.
 */
const NAME_CONSTRAINTS_DER = (() => {
  const { asn1 } = forge;
  const subtree = (tag: number, bytes: string): forge.asn1.Asn1 =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, false, bytes),
    ]);
  const bytes = (values: number[]): string => String.fromCharCode(...values);
  const dnsName = 2;
  const ipAddress = 7;
  const permitted = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
    subtree(dnsName, 'localhost'),
    // Address, then mask: one address each.
    subtree(ipAddress, bytes([127, 0, 0, 1, 255, 255, 255, 255])),
    subtree(ipAddress, bytes([...new Array<number>(15).fill(0), 1, ...new Array<number>(16).fill(255)])),
  ]);
  return asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [permitted])).getBytes();
})();

/** Returns the CA and server certificate under `dir`, creating or renewing whatever is missing or expiring. */
export function ensureTlsMaterial(options: TlsOptions): TlsMaterial {
  const now = options.now ?? Date.now();
  mkdirSync(options.dir, { recursive: true });
  const paths = {
    ca: join(options.dir, 'ca.pem'),
    caKey: join(options.dir, 'ca-key.pem'),
    cert: join(options.dir, 'server.pem'),
    key: join(options.dir, 'server-key.pem'),
  };

  let ca = readPair(paths.ca, paths.caKey);
  let caRenewed = false;
  // A CA of an earlier version (ten years, no name constraints) is replaced, not trusted further.
  if (!ca || !isValidAt(ca.cert, now) || !isCurrentCa(ca.cert)) {
    ca = createCa(now);
    writeAtomically(paths.caKey, ca.keyPem);
    writeAtomically(paths.ca, ca.certPem);
    caRenewed = true;
  }

  let server = readPair(paths.cert, paths.key);
  if (caRenewed || !server || !isValidAt(server.cert, now) || !isSignedBy(server.cert, ca.cert)) {
    server = createServerCertificate(ca, now);
    writeAtomically(paths.key, server.keyPem);
    writeAtomically(paths.cert, server.certPem);
  }

  return { caPath: paths.ca, caPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem };
}

interface CertificatePair {
  cert: forge.pki.Certificate;
  certPem: string;
  keyPem: string;
  key: KeyObject;
}

function readPair(certPath: string, keyPath: string): CertificatePair | undefined {
  if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
  try {
    const certPem = readFileSync(certPath, 'utf8');
    const keyPem = readFileSync(keyPath, 'utf8');
    return { cert: forge.pki.certificateFromPem(certPem), certPem, keyPem, key: createPrivateKey(keyPem) };
  } catch {
    // A truncated or foreign file is treated as missing: regenerating is always safe here.
    return undefined;
  }
}

function isValidAt(cert: forge.pki.Certificate, now: number): boolean {
  return cert.validity.notBefore.getTime() <= now && cert.validity.notAfter.getTime() - RENEW_MARGIN_MS > now;
}

/** True when the CA carries our name constraints and a lifetime no longer than today's. */
function isCurrentCa(cert: forge.pki.Certificate): boolean {
  const constraints = cert.getExtension('nameConstraints') as
    { critical?: boolean; value?: unknown } | undefined;
  const lifetime = cert.validity.notAfter.getTime() - cert.validity.notBefore.getTime();
  return (
    constraints?.critical === true &&
    constraints.value === NAME_CONSTRAINTS_DER &&
    lifetime <= CA_LIFETIME_DAYS * DAY_MS + 120_000
  );
}

function isSignedBy(cert: forge.pki.Certificate, issuer: forge.pki.Certificate): boolean {
  try {
    return issuer.verify(cert);
  } catch {
    return false;
  }
}

/** Native RSA generation: forge's pure-JS one takes many seconds. */
function newRsaKey(): { key: KeyObject; publicKey: forge.pki.PublicKey; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { key: privateKey, publicKey: forgePublicKey(publicKey), keyPem };
}

function serialNumber(): string {
  // Positive (high bit clear) so every ASN.1 parser reads the same number.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function createCa(now: number): CertificatePair {
  const { key, publicKey, keyPem } = newRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + CA_LIFETIME_DAYS * DAY_MS);
  const subject = [
    { name: 'commonName', value: 'Cloud App Security M365 Emulator Local CA' },
    { name: 'organizationName', value: 'Cloud App Security (development only)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true, pathLenConstraint: 0 },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { id: '2.5.29.30', name: 'nameConstraints', critical: true, value: NAME_CONSTRAINTS_DER },
    { name: 'subjectKeyIdentifier' },
  ]);
  signCertificate(cert, key);
  return { cert, certPem: forge.pki.certificateToPem(cert), keyPem, key };
}

function createServerCertificate(ca: CertificatePair, now: number): CertificatePair {
  const { key, publicKey, keyPem } = newRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now - 60_000);
  // Never outlive the CA, or clients would reject a chain whose root expired first.
  const notAfter = Math.min(now + SERVER_LIFETIME_DAYS * DAY_MS, ca.cert.validity.notAfter.getTime());
  cert.validity.notAfter = new Date(notAfter);
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...SERVER_NAMES.dns.map((value) => ({ type: 2, value })),
        ...SERVER_NAMES.ips.map((ip) => ({ type: 7, ip })),
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  signCertificate(cert, ca.key);
  return { cert, certPem: forge.pki.certificateToPem(cert), keyPem, key };
}

/** Writes through a temporary file so a concurrent reader never sees half a PEM. */
function writeAtomically(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, path);
}
