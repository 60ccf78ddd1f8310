/**
 * Self-signed certificates for app credentials, as `New-SelfSignedCertificate` or `openssl req
 * -x509` make them for a registration's "Certificates & secrets": the public part is uploaded,
 * the private key signs client assertions. For tests and local development only.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { forgePublicKey, signCertificate } from './native-signing.js';

/** A certificate and its private key, both PEM. */
export interface ClientCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** Creates a self-signed RSA 2048 certificate valid from `notBefore` to `notAfter` (ms since the epoch). */
export function createClientCertificate(options: {
  commonName: string;
  notBefore?: number;
  notAfter?: number;
}): ClientCertificate {
  const now = Date.now();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgePublicKey(publicKey);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(options.notBefore ?? now - 60_000);
  cert.validity.notAfter = new Date(options.notAfter ?? now + 365 * 24 * 3600 * 1000);
  const subject = [{ name: 'commonName', value: options.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  signCertificate(cert, privateKey);
  return {
    certificatePem: forge.pki.certificateToPem(cert),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
