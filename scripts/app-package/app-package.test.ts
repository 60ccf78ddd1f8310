// The Teams app package, checked offline: the official manifest schema, the bot's commands, every
// placeholder defined per environment, the icons, the Entra app manifest and the zip itself.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CONSENT_APP_IDS,
  CONSENT_APPS,
  requiredConsentSteps,
  SERVICE_IDS,
  type ConsentAppId,
} from '@cas/core';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppPackage, fillManifest } from './app-package.js';
import { listEnvironments, parseEnvironmentFile, readEnvironment } from './environment-file.js';
import { drawColorIcon, drawOutlineIcon } from './icons.js';
import {
  bundledSchemaPath,
  commandListProblems,
  iconProblems,
  ManifestSchemaError,
  manifestBotCommands,
  schemaViolations,
} from './manifest-checks.js';
import { fillJsonTemplate, placeholderNames } from './placeholders.js';
import type { BotCommand } from './manifest-checks.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const envFolder = join(root, 'env');
const appPackage = join(root, 'appPackage');
const readText = (path: string) => readFile(join(root, path), 'utf8');

/** The local environment's manifest, filled; local is the environment with every value set. */
async function localManifest(): Promise<Record<string, unknown>> {
  const filled = await fillManifest({ root, environment: 'local' });
  if (!filled.ok) throw new Error(filled.error.problems.join('\n'));
  return filled.value;
}

describe('manifest schema (offline, bundled in @microsoft/app-manifest)', () => {
  it('uses the newest numbered schema the package bundles', async () => {
    const manifest = JSON.parse(await readText('appPackage/manifest.json')) as Record<string, unknown>;
    expect(manifest.manifestVersion).toBe('1.30');
    expect(await bundledSchemaPath(manifest.$schema)).toMatch(
      /json-schemas\/teams\/v1\.30\/MicrosoftTeams\.schema\.json$/,
    );
    const next = 'https://developer.microsoft.com/json-schemas/teams/v1.31/MicrosoftTeams.schema.json';
    await expect(bundledSchemaPath(next)).rejects.toThrow(ManifestSchemaError);
  });

  it('accepts the local manifest with every placeholder filled', async () => {
    expect(await schemaViolations(await localManifest())).toEqual([]);
  });

  it.each([
    [
      'a bot scope spelled the pre-1.17 way',
      (m: Manifest) => ((m.bots[0] as Manifest).scopes = ['groupchat']),
    ],
    ['an app id that is not a GUID', (m: Manifest) => (m.id = 'not-a-guid')],
    ['a short name over 30 characters', (m: Manifest) => ((m.name as Manifest).short = 'x'.repeat(31))],
    [
      'a tab URL that is not http(s)',
      (m: Manifest) => ((m.staticTabs[0] as Manifest).contentUrl = 'ftp://x'),
    ],
  ])('refuses %s', async (_case, breakIt) => {
    const manifest = (await localManifest()) as Manifest;
    breakIt(manifest);
    expect((await schemaViolations(manifest)).length).toBeGreaterThan(0);
  });

  it('refuses a $schema that is not a Teams schema URL rather than fetching it', async () => {
    await expect(bundledSchemaPath('https://example.com/schema.json')).rejects.toThrow(ManifestSchemaError);
  });
});

// Loosely typed view for tests that break a manifest on purpose.
type Manifest = Record<string, unknown> & { bots: Manifest[]; staticTabs: Manifest[] };

describe('manifest content', () => {
  it('has the four deep-linkable static tabs on the tab endpoint, each with its page query', async () => {
    const manifest = await localManifest();
    const tabs = manifest.staticTabs as {
      entityId: string;
      name: string;
      contentUrl: string;
      websiteUrl: string;
    }[];
    expect(tabs.map((tab) => tab.entityId)).toEqual([
      'dashboard',
      'notifications',
      'serviceAccount',
      'policies',
    ]);
    for (const tab of tabs) {
      expect(tab.name.length).toBeGreaterThan(0);
      expect(tab.contentUrl).toBe(`https://localhost:53000/?page=${tab.entityId}`);
      expect(tab.websiteUrl).toBe(tab.contentUrl);
    }
  });

  it('has the bot in personal, team and groupChat scopes with one command list for all three', async () => {
    const manifest = await localManifest();
    const [bot] = manifest.bots as { scopes: string[] }[];
    expect(bot?.scopes).toEqual(['personal', 'team', 'groupChat']);
    const lists = manifestBotCommands(manifest);
    expect(lists.map((list) => list.scopes)).toEqual([['personal', 'team', 'groupChat']]);
    expect(lists[0]?.commands.map((command) => command.title)).toEqual([
      'sync',
      'status',
      'extend',
      'notify here',
      'notify off',
      'help',
    ]);
  });

  it('enables tab SSO for the Cloud App Security app on the tab domain', async () => {
    const manifest = await localManifest();
    const local = await readEnvironment(envFolder, 'local');
    const clientId = local.get('AAD_APP_CLIENT_ID');
    expect(manifest.webApplicationInfo).toEqual({
      id: clientId,
      resource: `api://localhost:53000/${clientId}`,
    });
    expect(manifest.validDomains).toEqual(['localhost:53000']);
  });
});

describe('manifest commands equal the bot commands (BOT_COMMANDS of @cas/bot)', () => {
  it('lists exactly the commands the bot answers, with the same descriptions', async () => {
    const bot = (await import('@cas/bot')) as Record<string, unknown>;
    const botCommands = bot.BOT_COMMANDS;
    if (!Array.isArray(botCommands)) {
      throw new Error(
        '@cas/bot does not export BOT_COMMANDS ([{ title, description }] in bot/src/index.ts) yet; ' +
          'the manifest cannot be checked against the bot until it does.',
      );
    }
    const [list] = manifestBotCommands(await localManifest());
    expect(commandListProblems(list?.commands ?? [], botCommands as BotCommand[])).toEqual([]);
  });
});

describe('commandListProblems', () => {
  const sync = { title: 'sync', description: 'Synchronize now.' };
  const help = { title: 'help', description: 'List what this bot can do.' };
  it.each<[string, BotCommand[], BotCommand[], RegExp[]]>([
    ['equal lists', [sync, help], [help, sync], []],
    ['a command the bot lacks', [sync, help], [sync], [/not a command of the bot: \["help"/]],
    ['a bot command not listed', [sync], [sync, help], [/missing from the manifest: \["help"/]],
    [
      'a changed description',
      [{ ...sync, description: 'Old words.' }],
      [sync],
      [/missing from the manifest/, /not a command of the bot/],
    ],
    [
      'a title over 32 characters',
      [{ ...sync, title: 's'.repeat(33) }],
      [{ ...sync, title: 's'.repeat(33) }],
      [/title over 32/],
    ],
  ])('%s', (_case, listed, bot, expected) => {
    const problems = commandListProblems(listed, bot);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((pattern, index) => expect(problems[index]).toMatch(pattern));
  });
});

describe('environments', () => {
  it('has the local and dev environments', async () => {
    expect(await listEnvironments(envFolder)).toEqual(['dev', 'local']);
  });

  it.each([
    'appPackage/manifest.json',
    'aad.signin.manifest.json',
    'aad.exchange-ews.manifest.json',
    'aad.exchange-graph.manifest.json',
    'aad.sharepoint.manifest.json',
    'aad.onedrive.manifest.json',
  ])('defines every placeholder of %s in each env/.env.* file', async (file) => {
    const names = placeholderNames(await readText(file));
    expect(names.length).toBeGreaterThan(0);
    for (const environment of await listEnvironments(envFolder)) {
      const values = await readEnvironment(envFolder, environment);
      expect({ environment, undefined: names.filter((name) => !values.has(name)) }).toEqual({
        environment,
        undefined: [],
      });
    }
  });

  it.each([
    ['teamsapp.local.yml', ['local']],
    ['teamsapp.yml', ['dev']],
  ])('defines every placeholder of %s in its environments or its own outputs', async (file, environments) => {
    const text = await readText(file);
    // Actions write their outputs as `key: NAME` under writeToEnvironmentFile.
    const outputs = new Set([...text.matchAll(/^\s+\w+: ([A-Z][A-Z0-9_]+)\s*$/gm)].map((match) => match[1]));
    const secrets = parseEnvironmentFile(await readText('env/.env.local.user.sample'));
    for (const environment of environments) {
      const values = await readEnvironment(envFolder, environment);
      const missing = placeholderNames(text).filter(
        (name) =>
          !values.has(name) && !outputs.has(name) && !(name.startsWith('SECRET_') && secrets.has(name)),
      );
      expect({ environment, missing }).toEqual({ environment, missing: [] });
    }
  });

  it('keeps secrets out of the committed env files', async () => {
    for (const environment of await listEnvironments(envFolder)) {
      const names = [...(await readEnvironment(envFolder, environment)).keys()];
      expect(names.filter((name) => name.startsWith('SECRET_'))).toEqual([]);
    }
  });

  it('parses quotes, comments and later lines the way the toolkit does', () => {
    const values = parseEnvironmentFile(
      [
        '# comment',
        'A=1',
        'SUFFIX=" (local)"',
        "Q='x y'",
        'C=value # note',
        'EMPTY=',
        'A=2',
        'not a line',
      ].join('\n'),
    );
    expect(Object.fromEntries(values)).toEqual({
      A: '2',
      SUFFIX: ' (local)',
      Q: 'x y',
      C: 'value',
      EMPTY: '',
    });
  });
});

describe('fillJsonTemplate', () => {
  it('escapes values so they cannot change the JSON structure', () => {
    const filled = fillJsonTemplate('{"name":"${{NAME}}"}', new Map([['NAME', 'a "quoted" \\ name']]));
    expect(filled.ok && JSON.parse(filled.value)).toEqual({ name: 'a "quoted" \\ name' });
  });

  it('names undefined and empty placeholders, allowing only an empty name suffix', () => {
    const filled = fillJsonTemplate(
      '"${{A}}${{APP_NAME_SUFFIX}}" "${{B}}" "${{ C }}"',
      new Map([
        ['A', 'x'],
        ['APP_NAME_SUFFIX', ''],
        ['B', ''],
      ]),
    );
    expect(filled).toEqual({ ok: false, error: { undefinedNames: ['C'], emptyNames: ['B'] } });
  });
});

describe('icons', () => {
  it('has a 192×192 colour icon and a 32×32 white-on-transparent outline icon', async () => {
    expect(await iconProblems(await localManifest(), appPackage)).toEqual([]);
  });

  it('commits exactly the icons the drawing produces', async () => {
    const decode = (png: Buffer) => PNG.sync.read(png).data;
    expect(decode(await readFile(join(appPackage, 'color.png')))).toEqual(decode(drawColorIcon()));
    expect(decode(await readFile(join(appPackage, 'outline.png')))).toEqual(decode(drawOutlineIcon()));
  });

  describe('problems', () => {
    let folder: string;
    beforeAll(async () => {
      folder = await mkdtemp(join(tmpdir(), 'cas-icons-'));
      await writeFile(join(folder, 'small.png'), drawColorIcon(64));
      await writeFile(join(folder, 'big-outline.png'), drawOutlineIcon(48));
      const opaque = new PNG({ width: 32, height: 32 });
      opaque.data.fill(255);
      await writeFile(join(folder, 'opaque.png'), PNG.sync.write(opaque));
      const red = new PNG({ width: 32, height: 32 });
      red.data[0] = 255;
      red.data[3] = 255;
      await writeFile(join(folder, 'red.png'), PNG.sync.write(red));
      await writeFile(join(folder, 'text.png'), 'not a png');
    });
    afterAll(() => rm(folder, { recursive: true, force: true }));

    it.each([
      ['a colour icon of the wrong size', { color: 'small.png', outline: 'red.png' }, /colour icon is 64×64/],
      [
        'an outline icon of the wrong size',
        { color: 'small.png', outline: 'big-outline.png' },
        /outline icon is 48×48/,
      ],
      [
        'an outline icon without transparency',
        { color: 'small.png', outline: 'opaque.png' },
        /no transparent background/,
      ],
      [
        'an outline icon that is not white',
        { color: 'small.png', outline: 'red.png' },
        /1 visible pixels that are not white/,
      ],
      [
        'a file that is not a PNG',
        { color: 'text.png', outline: 'red.png' },
        /colour icon text\.png is not a readable PNG/,
      ],
    ])('reports %s', async (_case, icons, expected) => {
      const problems = await iconProblems({ icons }, folder);
      expect(problems.some((problem) => expected.test(problem))).toBe(true);
    });
  });
});

describe('the app registrations (aad.*.manifest.json): one per consent step, and the sign-in app', () => {
  // Microsoft's permission ids of the roles core's consent steps prove (R6).
  const GRAPH = '00000003-0000-0000-c000-000000000000';
  const EXCHANGE = '00000002-0000-0ff1-ce00-000000000000';
  const ROLE_IDS: Record<string, string> = {
    'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
    'GroupMember.Read.All': '98830695-27a2-44f7-8c18-0c3ebc9698f6',
    'Mail.ReadWrite': 'e2a3a72e-5f79-4c64-b1b1-878b674786c9',
    'Sites.Read.All': '332a536c-c7ef-4017-ab91-336970924f0d',
    'Files.Read.All': '01d4889c-1287-42c6-ac1f-5d1e02578ef6',
    'RoleManagement.Read.Directory': '483bed4a-2ad3-4361-a73b-c83ccdbdc53c',
    full_access_as_app: 'dc890d15-9560-4a4c-9b7f-a736ec74ec40',
  };
  /** Each consent app's manifest and the prefix of its variables. */
  const MANIFESTS: Record<ConsentAppId, { file: string; prefix: string }> = {
    exchangeOnlineEws: { file: 'aad.exchange-ews.manifest.json', prefix: 'EXCHANGE_EWS_APP' },
    exchangeOnlineGraph: { file: 'aad.exchange-graph.manifest.json', prefix: 'EXCHANGE_GRAPH_APP' },
    sharePointOnlineGraph: { file: 'aad.sharepoint.manifest.json', prefix: 'SHAREPOINT_APP' },
    oneDriveGraph: { file: 'aad.onedrive.manifest.json', prefix: 'ONEDRIVE_APP' },
  };
  type AadManifest = {
    appId: string;
    displayName: string;
    signInAudience: string;
    identifierUris: string[];
    groupMembershipClaims?: string;
    api?: {
      oauth2PermissionScopes: { id: string; value: string }[];
      preAuthorizedApplications: { appId: string; delegatedPermissionIds: string[] }[];
    };
    spa?: { redirectUris: string[] };
    web: { redirectUris: string[] };
    requiredResourceAccess: { resourceAppId: string; resourceAccess: { id: string; type: string }[] }[];
  };
  const read = async (file: string): Promise<AadManifest> => JSON.parse(await readText(file)) as AadManifest;
  const roles = (manifest: AadManifest): string[] =>
    manifest.requiredResourceAccess
      .flatMap((resource) =>
        resource.resourceAccess
          .filter((access) => access.type === 'Role')
          .map((access) => `${resource.resourceAppId}/${access.id}`),
      )
      .sort();

  it('the sign-in app: multi-tenant, access_as_user pre-authorised for the Teams clients, no application permission', async () => {
    const signIn = await read('aad.signin.manifest.json');
    expect(signIn.appId).toBe('${{AAD_APP_CLIENT_ID}}');
    expect(signIn.signInAudience).toBe('AzureADMultipleOrgs');
    expect(signIn.identifierUris).toEqual(['api://${{TAB_DOMAIN}}/${{AAD_APP_CLIENT_ID}}']);
    const [scope] = signIn.api?.oauth2PermissionScopes ?? [];
    expect(scope?.value).toBe('access_as_user');
    expect(signIn.api?.preAuthorizedApplications).toEqual(
      ['1fec8e78-bce4-4aaf-ab1b-5451cc387264', '5e3ce6c0-2b1f-4285-8d4b-75ee78787346'].map((appId) => ({
        appId,
        delegatedPermissionIds: [scope?.id],
      })),
    );
    // Entra puts directory roles in user tokens, so the API can read Global Administrator from wids.
    expect(signIn.groupMembershipClaims).toBe('DirectoryRole');
    expect(signIn.spa?.redirectUris).toContain('https://${{TAB_DOMAIN}}/');
    expect(roles(signIn)).toEqual([]);
  });

  it.each(CONSENT_APP_IDS.map((app) => [app] as const))(
    '%s: its manifest asks for exactly the roles of its consent step, with the consent callback',
    async (app) => {
      const manifest = await read(MANIFESTS[app].file);
      expect(manifest.appId).toBe(`\${{${MANIFESTS[app].prefix}_CLIENT_ID}}`);
      expect(manifest.displayName).toBe(`${CONSENT_APPS[app].displayName}\${{APP_NAME_SUFFIX}}`);
      expect(manifest.signInAudience).toBe('AzureADMultipleOrgs');
      expect(manifest.web.redirectUris).toEqual(['https://${{TAB_DOMAIN}}/api/consent/callback']);
      const steps = SERVICE_IDS.flatMap((service) =>
        requiredConsentSteps(service, { ewsEnabled: true }),
      ).filter((step) => step.app === app);
      expect(steps).toHaveLength(1);
      const resource = app === 'exchangeOnlineEws' ? EXCHANGE : GRAPH;
      expect(roles(manifest)).toEqual(
        (steps[0]?.roles ?? [])
          .map((role) => `${resource}/${ROLE_IDS[role] ?? `unknown role ${role}`}`)
          .sort(),
      );
    },
  );

  it.each(['teamsapp.yml', 'teamsapp.local.yml'])(
    '%s creates and updates every registration, each with its own manifest and variables',
    async (file) => {
      const text = await readText(file);
      for (const { file: manifest, prefix } of Object.values(MANIFESTS)) {
        expect(text).toContain(`manifestPath: ./${manifest}`);
        expect(text).toContain(`clientId: ${prefix}_CLIENT_ID`);
        expect(text).toContain(`clientSecret: SECRET_${prefix}_CLIENT_SECRET`);
        expect(text).toContain(`objectId: ${prefix}_OBJECT_ID`);
      }
      expect(text).toContain('manifestPath: ./aad.signin.manifest.json');
    },
  );
});

describe('npm run package', () => {
  let copy: string;
  beforeAll(async () => {
    // A copy of the inputs, so the test never races a developer's own appPackage/build.
    copy = await mkdtemp(join(tmpdir(), 'cas-app-package-'));
    for (const file of ['manifest.json', 'color.png', 'outline.png']) {
      await cp(join(appPackage, file), join(copy, 'appPackage', file));
    }
    await cp(envFolder, join(copy, 'env'), { recursive: true });
  });
  afterAll(() => rm(copy, { recursive: true, force: true }));

  it('writes appPackage/build/appPackage.local.zip with the filled manifest and both icons', async () => {
    const built = await buildAppPackage({ root: copy, environment: 'local' });
    if (!built.ok) throw new Error(built.error.problems.join('\n'));
    expect(built.value.zipPath).toBe(join(copy, 'appPackage', 'build', 'appPackage.local.zip'));
    const zip = await JSZip.loadAsync(await readFile(built.value.zipPath));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifestText = (await zip.file('manifest.json')?.async('string')) ?? '';
    expect(manifestText).not.toContain('${{');
    const manifest = JSON.parse(manifestText) as { id: string; name: { short: string } };
    expect(manifest.id).toBe((await readEnvironment(envFolder, 'local')).get('TEAMS_APP_ID'));
    expect(manifest.name.short).toBe('Cloud App Security (local)');
    expect(await zip.file('outline.png')?.async('nodebuffer')).toEqual(
      await readFile(join(appPackage, 'outline.png')),
    );
  });

  it('builds the same bytes twice', async () => {
    const first = await buildAppPackage({ root: copy, environment: 'local' });
    const firstBytes = first.ok ? await readFile(first.value.zipPath) : undefined;
    const second = await buildAppPackage({ root: copy, environment: 'local' });
    expect(second.ok && (await readFile(second.value.zipPath))).toEqual(firstBytes);
  });

  it.each([
    ['an environment without a file', 'staging', 'unknown_environment', /env\/\.env\.staging does not exist/],
    ['dev before provisioning', 'dev', 'placeholders', /TEAMS_APP_ID is empty in env\/\.env\.dev/],
  ])('refuses %s, saying why', async (_case, environment, code, message) => {
    const built = await buildAppPackage({ root: copy, environment });
    expect(built.ok).toBe(false);
    if (!built.ok) {
      expect(built.error.code).toBe(code);
      expect(built.error.problems.some((problem) => message.test(problem))).toBe(true);
    }
  });

  it('refuses a manifest the schema rejects', async () => {
    const broken = join(copy, 'env', '.env.broken');
    const local = await readFile(join(envFolder, '.env.local'), 'utf8');
    await writeFile(broken, `${local}\nTEAMS_APP_ID=not-a-guid\n`);
    const built = await buildAppPackage({ root: copy, environment: 'broken' });
    expect(built.ok ? [] : built.error.code).toBe('schema');
  });
});
