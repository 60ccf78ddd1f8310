/**
 * Vitest global setup: makes sure the emulator's CA exists before any worker starts and points
 * NODE_EXTRA_CA_CERTS at it. Node reads that variable only at process start, and Vitest forks its
 * workers after global setup with the then-current environment, so msal-node, the Graph SDK and
 * fetch in every test trust the emulator exactly as the product does locally — no test-only agents.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateSigningKey } from '../src/entra/signing-keys.js';
import { DEFAULT_DATA_DIR, ensureTlsMaterial } from '../src/tls/certificate-authority.js';

/** Creates the CA (and the persisted signing key) once, then exports the trust setting. */
export default async function setup(): Promise<void> {
  const tlsDir = join(DEFAULT_DATA_DIR, 'tls');
  const { caPath, caPem } = ensureTlsMaterial({ dir: tlsDir });
  // Generated here once so parallel workers only ever read it.
  await loadOrCreateSigningKey(join(DEFAULT_DATA_DIR, 'keys'), Date.now());
  const existing = process.env.NODE_EXTRA_CA_CERTS;
  if (!existing || existing === caPath) {
    process.env.NODE_EXTRA_CA_CERTS = caPath;
    return;
  }
  // The variable takes one file: keep the developer's own extra CAs next to ours.
  const bundlePath = join(tlsDir, 'ca-bundle.pem');
  let theirs = '';
  try {
    theirs = readFileSync(existing, 'utf8');
  } catch {
    // An unreadable file was being ignored by Node anyway.
  }
  writeFileSync(bundlePath, `${theirs.trim()}\n${caPem}`);
  process.env.NODE_EXTRA_CA_CERTS = bundlePath;
}
