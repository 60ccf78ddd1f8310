/**
 * Selected Targets: validation of what the admin types in Available Targets (By User, By Group)
 * and the rules of the Selected Targets list (R7, R8).
 */
import { err, ok, type Result } from './result.js';
import type { DirectoryUser } from './directory.js';
import type { Target } from './model.js';

/** R8: "You can synchronize a maximum of 100 users." */
export const MAX_SELECTED_TARGETS = 100;

/** Entra's limit on a whole user principal name. */
export const MAX_UPN_LENGTH = 113;

/** Entra's limit on the part of a user principal name before the @. */
export const MAX_UPN_LOCAL_PART_LENGTH = 64;

/** R7: By Group needs at least the first three characters of the group name. */
export const MIN_GROUP_QUERY_LENGTH = 3;

/** Longest group query accepted; Entra display names are at most 256 characters. */
export const MAX_GROUP_QUERY_LENGTH = 256;

/** Why a typed user principal name was refused. */
export type UpnErrorCode =
  | 'upn_empty'
  | 'upn_too_long'
  | 'upn_missing_at'
  | 'upn_multiple_at'
  | 'upn_local_part_empty'
  | 'upn_local_part_too_long'
  | 'upn_unicode'
  | 'upn_invalid_character'
  | 'upn_local_part_dot'
  | 'upn_invalid_domain';

/** A refused user principal name, with words for the By User field. */
export interface UpnError {
  readonly code: UpnErrorCode;
  readonly message: string;
  /** The offending character, for upn_unicode and upn_invalid_character. */
  readonly character?: string;
  /** The limit that was exceeded, for the *_too_long codes. */
  readonly maximum?: number;
}

const ALLOWED_LOCAL_CHARACTERS = "A–Z, a–z, 0–9 and ' . - _ ! # ^ ~";
const LOCAL_PART_CHARACTER = /^[A-Za-z0-9'._!#^~-]$/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * R7 (By User): the exact user principal name the admin typed, trimmed and NFC-normalised, checked
 * against Entra's rules so the Graph lookup is only made for a name that can exist.
 */
export function parseUserPrincipalName(input: string): Result<string, UpnError> {
  const upn = input.trim().normalize('NFC');
  if (upn === '')
    return err({ code: 'upn_empty', message: 'Type the user principal name, for example name@contoso.com.' });
  const at = upn.split('@');
  if (at.length === 1) {
    return err({
      code: 'upn_missing_at',
      message: 'A user principal name has the form name@domain, for example name@contoso.com.',
    });
  }
  if (at.length > 2) {
    return err({ code: 'upn_multiple_at', message: 'A user principal name contains exactly one @.' });
  }
  const [local = '', domain = ''] = at;
  // Entra forbids any non-ASCII character before the @; it gets a message of its own.
  const unicode = [...local].find((character) => (character.codePointAt(0) ?? 0) > 0x7f);
  if (unicode !== undefined) {
    return err({
      code: 'upn_unicode',
      character: unicode,
      message: `"${unicode}" cannot be part of a user principal name: Microsoft Entra ID allows only ${ALLOWED_LOCAL_CHARACTERS} before the @.`,
    });
  }
  if ([...upn].length > MAX_UPN_LENGTH) {
    return err({
      code: 'upn_too_long',
      maximum: MAX_UPN_LENGTH,
      message: `A user principal name has at most ${MAX_UPN_LENGTH} characters.`,
    });
  }
  if (local === '') return err({ code: 'upn_local_part_empty', message: 'Type the name before the @.' });
  if (local.length > MAX_UPN_LOCAL_PART_LENGTH) {
    return err({
      code: 'upn_local_part_too_long',
      maximum: MAX_UPN_LOCAL_PART_LENGTH,
      message: `The name before the @ has at most ${MAX_UPN_LOCAL_PART_LENGTH} characters.`,
    });
  }
  const invalid = [...local].find((character) => !LOCAL_PART_CHARACTER.test(character));
  if (invalid !== undefined) {
    return err({
      code: 'upn_invalid_character',
      character: invalid,
      message: `"${invalid}" cannot be part of a user principal name: use only ${ALLOWED_LOCAL_CHARACTERS} before the @.`,
    });
  }
  if (local.startsWith('.') || local.endsWith('.')) {
    return err({
      code: 'upn_local_part_dot',
      message: 'The name before the @ cannot start or end with a dot.',
    });
  }
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) {
    return err({
      code: 'upn_invalid_domain',
      message: `"${domain}" is not a domain name: use letters, digits and hyphens separated by dots, for example contoso.com.`,
    });
  }
  return ok(upn);
}

/** A refused By Group query. */
export type GroupQueryError =
  | {
      readonly code: 'group_query_too_short';
      readonly minimum: number;
      readonly length: number;
      readonly message: string;
    }
  | {
      readonly code: 'group_query_too_long';
      readonly maximum: number;
      readonly length: number;
      readonly message: string;
    };

/**
 * R7 (By Group): the group name prefix, trimmed and NFC-normalised; fewer than three characters
 * (counted as Unicode code points, as an admin counts them) is refused.
 */
export function parseGroupQuery(input: string): Result<string, GroupQueryError> {
  const query = input.trim().normalize('NFC');
  const length = [...query].length;
  if (length < MIN_GROUP_QUERY_LENGTH) {
    return err({
      code: 'group_query_too_short',
      minimum: MIN_GROUP_QUERY_LENGTH,
      length,
      message: `Type at least the first ${MIN_GROUP_QUERY_LENGTH} characters of the group name.`,
    });
  }
  if (length > MAX_GROUP_QUERY_LENGTH) {
    return err({
      code: 'group_query_too_long',
      maximum: MAX_GROUP_QUERY_LENGTH,
      length,
      message: `A group name has at most ${MAX_GROUP_QUERY_LENGTH} characters.`,
    });
  }
  return ok(query);
}

/** Quotes a value for an OData string literal (`'…'`) by doubling apostrophes, as Graph expects. */
export function escapeODataString(value: string): string {
  return value.replaceAll("'", "''");
}

/** R8: adding would take Selected Targets past the limit; nothing was added. */
export interface TargetLimitExceeded {
  readonly code: 'target_limit_exceeded';
  readonly limit: number;
  /** Targets already selected. */
  readonly current: number;
  /** New (not duplicate) users the admin tried to add. */
  readonly attempted: number;
  /** How many more users fit. */
  readonly remaining: number;
  readonly message: string;
}

/** The outcome of an accepted addition. */
export interface TargetsAdded {
  readonly targets: readonly Target[];
  /** Candidates that were new. */
  readonly added: readonly Target[];
  /** Candidates already selected (or repeated among the candidates), left out. */
  readonly duplicates: readonly Target[];
}

// Entra object ids are GUIDs and UPNs are case-insensitive, so both compare in lower case.
function identityKeys(target: Target): string[] {
  const keys = [`upn:${target.userPrincipalName.toLowerCase()}`];
  if (target.userId !== '') keys.push(`id:${target.userId.toLowerCase()}`);
  return keys;
}

/**
 * R8: appends candidates to Selected Targets in order, ignoring users already there (the same user
 * from two groups, or from a group and by UPN, appears once); refuses the whole addition when it
 * would exceed 100 users.
 */
export function addTargets(
  current: readonly Target[],
  candidates: readonly Target[],
): Result<TargetsAdded, TargetLimitExceeded> {
  const seen = new Set(current.flatMap(identityKeys));
  const added: Target[] = [];
  const duplicates: Target[] = [];
  for (const candidate of candidates) {
    const keys = identityKeys(candidate);
    if (keys.some((key) => seen.has(key))) {
      duplicates.push(candidate);
      continue;
    }
    keys.forEach((key) => seen.add(key));
    added.push(candidate);
  }
  const remaining = Math.max(0, MAX_SELECTED_TARGETS - current.length);
  if (added.length > remaining) {
    return err({
      code: 'target_limit_exceeded',
      limit: MAX_SELECTED_TARGETS,
      current: current.length,
      attempted: added.length,
      remaining,
      message:
        remaining === 0
          ? `You can synchronize a maximum of ${MAX_SELECTED_TARGETS} users; Selected Targets is full.`
          : `You can synchronize a maximum of ${MAX_SELECTED_TARGETS} users; only ${remaining} more ${remaining === 1 ? 'fits' : 'fit'}.`,
    });
  }
  return ok({ targets: [...current, ...added], added, duplicates });
}

/** Removes the users with the given object ids from Selected Targets, keeping the others' order. */
export function removeTargets(current: readonly Target[], userIds: readonly string[]): readonly Target[] {
  const removed = new Set(userIds.map((id) => id.toLowerCase()));
  return current.filter((target) => !removed.has(target.userId.toLowerCase()));
}

/** Done named Selected Targets Graph does not know; nothing was saved. */
export interface TargetsNotFound {
  readonly code: 'targets_not_found';
  /** Each unknown id with the user principal name the request gave it. */
  readonly unknown: readonly { readonly userId: string; readonly userPrincipalName: string }[];
  readonly message: string;
}

/**
 * Done: Selected Targets as Graph knows them. `found[i]` is Graph's user for `requested[i]`
 * (undefined when Graph has none): its object id, user principal name and display name replace
 * what the request said, and only where the admin found the user is kept. Any unknown id refuses
 * the whole selection, naming every unknown user.
 */
export function verifiedTargets(
  requested: readonly Target[],
  found: readonly (DirectoryUser | undefined)[],
): Result<readonly Target[], TargetsNotFound> {
  const unknown = requested
    .filter((_, index) => found[index] === undefined)
    .map((target) => ({ userId: target.userId, userPrincipalName: target.userPrincipalName }));
  if (unknown.length > 0) {
    const names = unknown.map((each) => each.userPrincipalName || each.userId).join(', ');
    return err({
      code: 'targets_not_found',
      unknown,
      message:
        unknown.length === 1
          ? `This user does not exist in your organization: ${names}. Remove it from Selected Targets.`
          : `These users do not exist in your organization: ${names}. Remove them from Selected Targets.`,
    });
  }
  const verified = requested.flatMap((target, index) => {
    const user = found[index];
    return user === undefined
      ? []
      : [
          {
            ...target,
            userId: user.id,
            userPrincipalName: user.userPrincipalName,
            displayName: user.displayName,
          },
        ];
  });
  // Graph may have resolved two entries to one user (an id and a name): keep it once.
  const seen = new Set<string>();
  return ok(
    verified.filter((target) => {
      const key = target.userId.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }),
  );
}
