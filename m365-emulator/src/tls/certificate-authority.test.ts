// The local CA a developer trusts once may only ever vouch for this machine: its name constraints
// permit localhost, 127.0.0.1 and ::1 and nothing else, it lives briefly, and a CA of an earlier
// version (no constraints, ten years) is replaced on the next start.
import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, connect } from 'node:tls';
import forge from 'node-forge';
import { afterEach, describe, expect, it } from 'vitest';
import { CA_LIFETIME_DAYS, ensureTlsMaterial } from './certificate-authority.js';
import { forgePublicKey, signCertificate } from './native-signing.js';

const DAY = 24 * 3600 * 1000;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cas-ca-'));
  dirs.push(dir);
  return dir;
}

/** A certificate for `names`, signed with the key at `caKeyPath` (as someone holding the CA key could). */
function issueWithCaKey(caPem: string, caKeyPath: string, names: { dns?: string[]; ips?: string[] }) {
  const ca = forge.pki.certificateFromPem(caPem);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgePublicKey(publicKey);
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + DAY);
  // Not a host name, so verifiers judge the certificate by its subjectAltName alone.
  cert.setSubject([{ name: 'commonName', value: 'Test server' }]);
  cert.setIssuer(ca.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...(names.dns ?? []).map((value) => ({ type: 2, value })),
        ...(names.ips ?? []).map((ip) => ({ type: 7, ip })),
      ],
    },
  ]);
  signCertificate(cert, createPrivateKey(readFileSync(caKeyPath, 'utf8')));
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Connects to a TLS server presenting `cert` as `servername`, trusting only `caPem`. */
async function verify(
  caPem: string,
  cert: { certPem: string; keyPem: string },
  servername: string,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    return await new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, servername, ca: caPem }, () => {
        socket.destroy();
        resolve({ ok: true });
      });
      // OpenSSL's reason ("permitted subtree violation"); Node has no code of its own for it.
      socket.on('error', (error) => resolve({ ok: false, reason: error.message }));
    });
  } finally {
    server.close();
  }
}

describe('the local certificate authority', () => {
  it.each([
    ['localhost', { dns: ['localhost'] }, 'localhost'],
    ['127.0.0.1', { ips: ['127.0.0.1'] }, '127.0.0.1'],
  ])('vouches for %s', async (_name, names, servername) => {
    const dir = freshDir();
    const material = ensureTlsMaterial({ dir });
    const issued = issueWithCaKey(material.caPem, join(dir, 'ca-key.pem'), names);
    expect(await verify(material.caPem, issued, servername)).toEqual({ ok: true });
    // The emulator's own server certificate verifies too.
    expect(await verify(material.caPem, material, servername)).toEqual({ ok: true });
  });

  it.each([
    ['login.microsoftonline.com', { dns: ['login.microsoftonline.com'] }, 'login.microsoftonline.com'],
    ['a bank', { dns: ['www.bank.example'] }, 'www.bank.example'],
    ['another loopback address', { ips: ['127.0.0.2'] }, '127.0.0.2'],
    ['a LAN address', { ips: ['192.168.1.10'] }, '192.168.1.10'],
  ])('refuses, even with its own key, a certificate for %s', async (_name, names, servername) => {
    const dir = freshDir();
    const material = ensureTlsMaterial({ dir });
    const issued = issueWithCaKey(material.caPem, join(dir, 'ca-key.pem'), names);
    const result = await verify(material.caPem, issued, servername);
    expect(result).toEqual({ ok: false, reason: 'permitted subtree violation' });
  });

  it('lives briefly: the CA for at most 90 days, the server certificate for at most 30', () => {
    const dir = freshDir();
    const material = ensureTlsMaterial({ dir });
    const lifetime = (pem: string): number => {
      const cert = new X509Certificate(pem);
      return (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY;
    };
    expect(lifetime(material.caPem)).toBeLessThanOrEqual(90 + 1);
    expect(lifetime(material.certPem)).toBeLessThanOrEqual(30 + 1);
  });

  it('replaces a CA of an earlier version: ten years and no name constraints', async () => {
    const dir = freshDir();
    // What earlier versions wrote: a self-signed CA for ten years without name constraints.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const old = forge.pki.createCertificate();
    old.publicKey = forgePublicKey(publicKey);
    old.serialNumber = '01';
    old.validity.notBefore = new Date(Date.now() - DAY);
    old.validity.notAfter = new Date(Date.now() + 3650 * DAY);
    const subject = [{ name: 'commonName', value: 'Cloud App Security M365 Emulator Local CA' }];
    old.setSubject(subject);
    old.setIssuer(subject);
    old.setExtensions([
      { name: 'basicConstraints', cA: true, critical: true, pathLenConstraint: 0 },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ]);
    signCertificate(old, privateKey);
    const oldPem = forge.pki.certificateToPem(old);
    writeFileSync(join(dir, 'ca.pem'), oldPem);
    writeFileSync(join(dir, 'ca-key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());

    const material = ensureTlsMaterial({ dir });
    expect(material.caPem).not.toBe(oldPem);
    const issued = issueWithCaKey(material.caPem, join(dir, 'ca-key.pem'), { dns: ['www.bank.example'] });
    expect(await verify(material.caPem, issued, 'www.bank.example')).toEqual({
      ok: false,
      reason: 'permitted subtree violation',
    });
    // A current CA is kept across starts: a developer trusts it once for its lifetime.
    expect(ensureTlsMaterial({ dir }).caPem).toBe(material.caPem);
  });

  it('replaces an expired CA, and one that expires within a week', () => {
    const dir = freshDir();
    const first = ensureTlsMaterial({ dir });
    const later = ensureTlsMaterial({ dir, now: Date.now() + (CA_LIFETIME_DAYS - 6) * DAY });
    expect(later.caPem).not.toBe(first.caPem);
  });
});
