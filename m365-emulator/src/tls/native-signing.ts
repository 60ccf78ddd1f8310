/**
 * Certificate building with node-forge but RSA work done by Node's native crypto: forge's pure-JS
 * RSA takes hundreds of milliseconds per signature on a small machine, OpenSSL takes one.
 */
import { sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/** Signs a forge certificate with SHA-256/RSA using a native private key. */
export function signCertificate(cert: forge.pki.Certificate, privateKey: KeyObject): void {
  const oid = forge.pki.oids.sha256WithRSAEncryption ?? '1.2.840.113549.1.1.11';
  const writable = cert as forge.pki.Certificate & { signatureOid: string; tbsCertificate: forge.asn1.Asn1 };
  writable.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  // getTBSCertificate exists in node-forge but is missing from its type definitions.
  const pki = forge.pki as typeof forge.pki & {
    getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
  };
  writable.tbsCertificate = pki.getTBSCertificate(cert);
  const tbs = Buffer.from(forge.asn1.toDer(writable.tbsCertificate).getBytes(), 'binary');
  cert.signature = sign('sha256', tbs, privateKey).toString('binary');
}

/** The forge form of a native public key (what a certificate carries). */
export function forgePublicKey(publicKey: KeyObject): forge.pki.PublicKey {
  return forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
}

/** DER bytes of a certificate. */
export function certificateDer(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}
