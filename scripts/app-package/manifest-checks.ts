/**
 * Offline checks of a filled Teams app manifest: the official JSON schema bundled in
 * `@microsoft/app-manifest` (never fetched from the network), the bot's command list, and the
 * icons Teams requires.
 */
import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AppManifestUtils } from '@microsoft/app-manifest';
import { PNG } from 'pngjs';
import { COLOR_ICON_SIZE, OUTLINE_ICON_SIZE } from './icons.js';

/** Thrown when the manifest points at a schema this package does not bundle (we never fetch one). */
export class ManifestSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestSchemaError';
  }
}

const SCHEMA_URL =
  /^https:\/\/developer\.microsoft\.com\/(?:[a-z]{2}(?:-[a-z]{2})?\/)?(json-schemas\/teams\/[^/]+\/MicrosoftTeams\.schema\.json)$/i;

/** Path of the bundled copy of the schema a manifest's `$schema` names. */
export async function bundledSchemaPath(schemaUrl: unknown): Promise<string> {
  const match = typeof schemaUrl === 'string' ? SCHEMA_URL.exec(schemaUrl) : null;
  if (!match?.[1])
    throw new ManifestSchemaError(`$schema ${String(schemaUrl)} is not a Teams manifest schema URL.`);
  const packageMain = createRequire(import.meta.url).resolve('@microsoft/app-manifest');
  const path = join(dirname(packageMain), match[1]);
  try {
    await access(path);
  } catch {
    throw new ManifestSchemaError(
      `@microsoft/app-manifest does not bundle ${match[1]}; pick a bundled version.`,
    );
  }
  return path;
}

/** Schema violations of a filled manifest, one line each (`/path message`); empty when valid. */
export async function schemaViolations(manifest: Record<string, unknown>): Promise<string[]> {
  const schema: unknown = JSON.parse(await readFile(await bundledSchemaPath(manifest.$schema), 'utf8'));
  // Passing the schema in keeps validation offline: the library fetches only when given none.
  const validate = AppManifestUtils.validateAgainstSchema as (
    manifest: unknown,
    schema: unknown,
  ) => Promise<string[]>;
  return validate(manifest, schema);
}

/** A bot command as Teams lists it in the compose box. */
export interface BotCommand {
  readonly title: string;
  readonly description: string;
}

/** The commands of every command list of the manifest's bots, with the scopes each is listed in. */
export function manifestBotCommands(
  manifest: Record<string, unknown>,
): { readonly scopes: readonly string[]; readonly commands: readonly BotCommand[] }[] {
  const bots = (manifest.bots ?? []) as { commandLists?: { scopes: string[]; commands: BotCommand[] }[] }[];
  return bots.flatMap((bot) =>
    (bot.commandLists ?? []).map((list) => ({
      scopes: list.scopes,
      commands: list.commands.map(({ title, description }) => ({ title, description })),
    })),
  );
}

// Teams' own app validation (stricter than the JSON schema) caps these lengths.
const COMMAND_TITLE_MAX = 32;
const COMMAND_DESCRIPTION_MAX = 128;

/** Problems of a command list against the bot's own commands; empty when they agree. */
export function commandListProblems(
  listed: readonly BotCommand[],
  botCommands: readonly BotCommand[],
): string[] {
  const problems: string[] = [];
  const key = (command: BotCommand) => JSON.stringify([command.title, command.description]);
  const listedKeys = new Set(listed.map(key));
  const botKeys = new Set(botCommands.map(key));
  for (const command of botCommands) {
    if (!listedKeys.has(key(command))) problems.push(`missing from the manifest: ${key(command)}`);
  }
  for (const command of listed) {
    if (!botKeys.has(key(command))) problems.push(`not a command of the bot: ${key(command)}`);
    if (command.title.length > COMMAND_TITLE_MAX)
      problems.push(`title over ${COMMAND_TITLE_MAX} characters: ${command.title}`);
    if (command.description.length > COMMAND_DESCRIPTION_MAX) {
      problems.push(`description over ${COMMAND_DESCRIPTION_MAX} characters: ${command.title}`);
    }
  }
  return problems;
}

/** Problems of the icons a manifest names, read from `folder`; empty when Teams would accept them. */
export async function iconProblems(manifest: Record<string, unknown>, folder: string): Promise<string[]> {
  const icons = (manifest.icons ?? {}) as { color?: string; outline?: string };
  const problems: string[] = [];
  const read = async (name: string | undefined, role: string): Promise<PNG | undefined> => {
    if (name === undefined) {
      problems.push(`no ${role} icon`);
      return undefined;
    }
    try {
      return PNG.sync.read(await readFile(join(folder, name)));
    } catch (error) {
      problems.push(`${role} icon ${name} is not a readable PNG: ${(error as Error).message}`);
      return undefined;
    }
  };
  const color = await read(icons.color, 'colour');
  if (color && (color.width !== COLOR_ICON_SIZE || color.height !== COLOR_ICON_SIZE)) {
    problems.push(
      `colour icon is ${color.width}×${color.height}, must be ${COLOR_ICON_SIZE}×${COLOR_ICON_SIZE}`,
    );
  }
  const outline = await read(icons.outline, 'outline');
  if (outline) {
    if (outline.width !== OUTLINE_ICON_SIZE || outline.height !== OUTLINE_ICON_SIZE) {
      problems.push(
        `outline icon is ${outline.width}×${outline.height}, must be ${OUTLINE_ICON_SIZE}×${OUTLINE_ICON_SIZE}`,
      );
    }
    problems.push(...outlineColourProblems(outline));
  }
  return problems;
}

/** The outline icon must be white on transparent, with something visible and something transparent. */
function outlineColourProblems(png: PNG): string[] {
  let visible = 0;
  let transparent = 0;
  let coloured = 0;
  for (let offset = 0; offset < png.data.length; offset += 4) {
    const alpha = png.data[offset + 3] ?? 0;
    if (alpha === 0) {
      transparent += 1;
      continue;
    }
    visible += 1;
    if (png.data[offset] !== 255 || png.data[offset + 1] !== 255 || png.data[offset + 2] !== 255)
      coloured += 1;
  }
  const problems: string[] = [];
  if (coloured > 0) problems.push(`outline icon has ${coloured} visible pixels that are not white`);
  if (transparent === 0) problems.push('outline icon has no transparent background');
  if (visible === 0) problems.push('outline icon is fully transparent');
  return problems;
}
