/**
 * The store contract against PostgreSQL (`TEST_DATABASE_URL`). Each database is a schema of its
 * own, dropped afterwards, so parallel test files and CI runs sharing the server never collide.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describeStoreContract } from './store.contract.js';
import type { ContractBackend } from './store.contract.js';

const url = process.env.TEST_DATABASE_URL;
const skipReason =
  url === undefined || url === ''
    ? 'TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)'
    : undefined;
// Said out loud as well as in the suite's title, so a default-reporter run shows why.
if (skipReason !== undefined) console.warn(`PostgreSQL store contract skipped: ${skipReason}`);

describeStoreContract(
  'PostgreSQL store',
  async (): Promise<ContractBackend> => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const schemas: string[] = [];
    return {
      kind: 'postgres',
      async freshDatabase() {
        const schema = `cas_test_${process.pid}_${randomBytes(4).toString('hex')}`;
        schemas.push(schema);
        return { databaseUrl: url, schema, poolMax: 4 };
      },
      async query(options, sqlText) {
        const client = new pg.Client({
          connectionString: url,
          options: `-c search_path=${options.schema ?? 'public'}`,
        });
        await client.connect();
        try {
          return (await client.query<Record<string, unknown>>(sqlText)).rows;
        } finally {
          await client.end();
        }
      },
      async dispose() {
        try {
          for (const schema of schemas) await admin.query(`drop schema if exists ${schema} cascade`);
        } finally {
          await admin.end();
        }
      },
    };
  },
  skipReason,
);
