// The boundary rules in eslint.config.js are the architecture; these tests prove each one fires,
// so a careless edit of the config cannot silently switch a boundary off.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

/** Lints `code` as if it lived at `filePath` and returns the boundary-rule messages. */
async function boundaryMessages(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

describe('architecture boundaries', () => {
  it.each([
    ['core/src/x.ts', "import { readFileSync } from 'node:fs';", 'core/ is pure domain'],
    ['core/src/x.ts', "import { Kysely } from 'kysely';", 'core/ is pure domain'],
    ['core/src/x.ts', "import { Client } from '@microsoft/microsoft-graph-client';", 'core/ is pure domain'],
    ['core/src/x.ts', "import { createStore } from '@cas/store';", 'core/ is pure domain'],
    ['tab/src/x.ts', "import { x } from '@cas/api';", 'tab/ talks to the API over HTTP only'],
    ['tab/src/x.ts', "import { x } from '../../bot/src/x.js';", 'tab/ talks to the API over HTTP only'],
    ['bot/src/x.ts', "import { x } from '@cas/api';", 'bot/ never imports api/'],
    ['bot/src/x.ts', "import { x } from '@cas/tab';", 'bot/ never imports api/'],
    ['api/src/x.ts', "import { x } from '@cas/bot';", 'api/ never imports bot/'],
    ['api/src/x.ts', "import { x } from '../../tab/src/x.js';", 'api/ never imports bot/'],
    ['api/src/x.ts', "import { startEmulator } from '@cas/m365-emulator';", 'Only tests may use'],
    ['store/src/x.ts', "import { x } from '@cas/api';", 'store/ serves api/, worker/ and bot/'],
    ['worker/src/x.ts', "import { x } from '@cas/api';", 'worker/ never imports api/'],
    ['worker/src/x.ts', "import { x } from '@cas/bot';", 'worker/ never imports api/'],
    ['api/src/x.ts', "import { x } from '@cas/worker';", 'api/ never imports bot/'],
    ['microsoft365/src/x.ts', "import { x } from '@cas/store';", 'microsoft365/ adapts'],
    ['contracts/src/x.ts', "import { readFileSync } from 'node:fs';", 'contracts/ is pure'],
    ['contracts/src/x.ts', "import { createStore } from '@cas/store';", 'contracts/ is pure'],
    ['contracts/src/x.ts', "import { x } from '@cas/api';", 'contracts/ is pure'],
    ['contracts/src/x.ts', "import { x } from '../../api/src/x.js';", 'contracts/ is pure'],
    ['contracts/src/x.ts', "import restify from 'restify';", 'contracts/ is pure'],
    ['tab/src/x.ts', "import { x } from '@cas/store';", 'tab/ talks to the API over HTTP only'],
    ['bot/src/x.ts', "import { x } from '../../api/src/x.js';", 'bot/ never imports api/'],
  ])('%s refuses %s', async (filePath, code, expected) => {
    const messages = await boundaryMessages(`${code}\nexport const y = 1;\n`, filePath);
    expect(messages.join('\n')).toContain(expected);
  });

  it.each([
    ['core/src/x.ts', "import { ok } from './result.js';"],
    ['api/src/x.ts', "import { ok } from '@cas/core';"],
    ['api/src/x.test.ts', "import { startEmulator } from '@cas/m365-emulator';"],
    ['bot/src/x.ts', "import { createStore } from '@cas/store';"],
    ['worker/src/x.ts', "import { createGraphDirectory } from '@cas/microsoft365';"],
    ['api/src/x.ts', "import { routes } from '@cas/contracts';"],
    ['tab/src/x.ts', "import { routes } from '@cas/contracts';"],
    ['bot/src/x.ts', "import { routes } from '@cas/contracts';"],
    ['contracts/src/x.ts', "import { z } from 'zod';"],
    ['contracts/src/x.ts', "import { SERVICE_IDS } from '@cas/core';"],
    ['contracts/src/x.ts', "import { defineContract } from './route-contract.js';"],
  ])('%s allows %s', async (filePath, code) => {
    expect(await boundaryMessages(`${code}\nexport const y = 1;\n`, filePath)).toEqual([]);
  });
});
