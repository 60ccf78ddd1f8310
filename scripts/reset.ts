/**
 * `npm run reset`: wipes the local state `npm start` keeps in `.data/` (database, emulator
 * consent and certificates, captured mail, logs). The generated secrets in env/.env.local.user
 * stay: a new database does not need a new key.
 */
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = resolve(process.env.CAS_DATA_DIR ?? join(root, '.data'));

if (!existsSync(dataDir)) {
  console.log(`Nothing to reset: ${dataDir} does not exist.`);
} else {
  rmSync(dataDir, { recursive: true, force: true });
  console.log(`Removed ${dataDir}. The next npm start begins from a fresh emulator and an empty database.`);
}
