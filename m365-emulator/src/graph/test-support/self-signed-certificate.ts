/**
 * Test-only self-signed certificate for 127.0.0.1. The Graph SDK attaches the bearer token only to
 * `https://` custom hosts, so the SDK contract tests need TLS even against the test harness.
 */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

/** PEM key and certificate. */
export interface TestCertificate {
  key: string;
  cert: string;
}

/** Creates a one-day certificate for `127.0.0.1` / `localhost` (key generated natively, fast). */
export function createSelfSignedCertificate(): TestCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey);
  certificate.serialNumber = '01';
  certificate.validity.notBefore = new Date(Date.now() - 60_000);
  certificate.validity.notAfter = new Date(Date.now() + 86_400_000);
  const subject = [{ name: 'commonName', value: '127.0.0.1' }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  certificate.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { key: privateKey, cert: forge.pki.certificateToPem(certificate) };
}
