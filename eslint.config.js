// ESLint flat config: one place for style and for the architecture's boundary rules.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Packages that do I/O; the pure domain in `core/` may import none of them. */
const ioPackages = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'http',
  'https',
  'net',
  'crypto',
  'child_process',
  'restify',
  'restify-*',
  'botbuilder',
  'botbuilder-*',
  'botframework-*',
  '@microsoft/*',
  '@azure/*',
  'kysely',
  'kysely/*',
  'pg',
  'better-sqlite3',
  'react',
  'react-dom',
  '@fluentui/*',
  'nodemailer',
  'pino',
  'jose',
  '@cas/*',
];

/** Forbids importing the named workspaces, by package name or by relative path. */
function forbidWorkspaces(names, message) {
  return names.flatMap((name) => [
    { group: [`@cas/${name}`, `@cas/${name}/*`], message },
    { group: [`../${name}/*`, `../../${name}/*`, `../../../${name}/*`, `../../../../${name}/*`], message },
  ]);
}

/**
 * Boundary rules for one workspace: never import the named workspaces; in production code (not
 * tests) never import the Microsoft 365 emulator either, since only tests may start it.
 */
function boundary(files, forbidden, message) {
  const emulator = forbidden.includes('m365-emulator')
    ? []
    : forbidWorkspaces(['m365-emulator'], 'Only tests may use the Microsoft 365 emulator.');
  // Benchmarks run against the emulator like tests do.
  const testFiles = [
    '**/*.test.ts',
    '**/*.test.tsx',
    '**/test-support/**',
    '**/test/**',
    '**/e2e/**',
    '**/bench/**',
  ];
  return [
    {
      files: [files],
      rules: { 'no-restricted-imports': ['error', { patterns: forbidWorkspaces(forbidden, message) }] },
    },
    {
      files: [files],
      ignores: testFiles,
      rules: {
        'no-restricted-imports': [
          'error',
          { patterns: [...forbidWorkspaces(forbidden, message), ...emulator] },
        ],
      },
    },
  ];
}

/**
 * Boundary: the API contract is pure and shared by api/, tab/ and bot/ — zod and the domain core
 * only, so the browser bundle and the bot can import it without dragging I/O along. Its tests may
 * also import vitest.
 */
function contractsBoundary() {
  const message = 'contracts/ is pure: it imports zod and @cas/core only.';
  const rule = (allowed) => [
    'error',
    {
      patterns: [
        { regex: `^(?!${allowed}zod$|zod/|@cas/core$|\\.{1,2}/)`, message },
        ...forbidWorkspaces(
          ['api', 'bot', 'tab', 'worker', 'store', 'microsoft365', 'm365-emulator'],
          message,
        ),
      ],
    },
  ];
  return [
    { files: ['contracts/**/*.ts'], rules: { 'no-restricted-imports': rule('') } },
    { files: ['contracts/**/*.test.ts'], rules: { 'no-restricted-imports': rule('vitest$|') } },
  ];
}

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '.data/**', 'coverage/**', 'appPackage/build/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      'import-x/order': [
        'error',
        {
          groups: ['builtin', 'external', 'internal', 'parent', 'sibling', 'index', 'type'],
          'newlines-between': 'never',
          alphabetize: { order: 'asc', caseInsensitive: true },
        },
      ],
      'import-x/first': 'error',
      'import-x/no-duplicates': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // Boundary: the domain core is pure — no I/O library, no other workspace.
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ioPackages, message: 'core/ is pure domain: pass I/O in through a port.' }] },
      ],
    },
  },
  ...contractsBoundary(),
  ...boundary(
    'tab/**/*.{ts,tsx}',
    ['api', 'bot', 'worker', 'store', 'microsoft365', 'm365-emulator'],
    'tab/ talks to the API over HTTP only, through @cas/contracts; share code through @cas/core.',
  ),
  {
    // The tab runs in the browser; its end-to-end tests and benchmark start the real emulator and
    // API (never the tab's own code), so only they may import those workspaces.
    files: ['tab/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // The tab server's own tests put it in front of a real API on the emulator, like a deployment.
    files: ['tab/e2e/**/*.ts', 'tab/scripts/**/*.ts', 'tab/server/**/*.test.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  ...boundary(
    'bot/**/*.ts',
    ['api', 'tab', 'worker'],
    'bot/ never imports api/, tab/ or worker/; share code through @cas/contracts or @cas/core.',
  ),
  ...boundary(
    'api/**/*.ts',
    ['bot', 'tab', 'worker'],
    'api/ never imports bot/, tab/ or worker/; share code through @cas/contracts or @cas/core.',
  ),
  ...boundary(
    'worker/**/*.ts',
    ['api', 'bot', 'tab'],
    'worker/ never imports api/, bot/ or tab/; share code through @cas/core.',
  ),
  ...boundary(
    'microsoft365/**/*.ts',
    ['api', 'bot', 'tab', 'worker', 'store'],
    'microsoft365/ adapts msal-node and the Graph client for api/ and worker/; it never imports them.',
  ),
  ...boundary(
    'store/**/*.ts',
    ['api', 'bot', 'tab', 'worker', 'microsoft365'],
    'store/ serves api/, worker/ and bot/; it never imports them.',
  ),
  prettier,
);
