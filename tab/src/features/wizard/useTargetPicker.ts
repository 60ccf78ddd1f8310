/**
 * Behaviour of Available Targets and Selected Targets: By User verifies an exact UPN, By Group
 * searches from 3 characters (R7), the arrows move users (R8: at most 100, duplicates ignored).
 * With a service, the API refuses a user that service has nothing of (Exchange Online: no mailbox,
 * OneDrive: no OneDrive) and leaves such users of a group out, naming them (issue 17).
 * Every rule is @cas/core's; this hook only keeps the screen's state.
 */
import {
  addTargets,
  parseGroupQuery,
  parseUserPrincipalName,
  removeTargets,
  type ServiceId,
  type Target,
} from '@cas/core';
import { useCallback, useState } from 'react';
import { useTab } from '../../app/tab-context.js';
import type { DirectoryGroupView, DirectoryUserView, GroupUsersPageView } from '@cas/contracts';

/** A user offered in Available Targets, with where it was found. */
export interface Candidate {
  readonly key: string;
  readonly target: Target;
}

/** A group found By Group and, once expanded, its users. */
export interface GroupResult {
  readonly group: DirectoryGroupView;
  readonly users:
    | 'collapsed'
    | 'loading'
    | { readonly error: string }
    | {
        readonly list: readonly Candidate[];
        readonly more: boolean;
        /** Users of the group the service has nothing of, with the API's reason for each. */
        readonly excluded: GroupUsersPageView['excluded'];
      };
}

/** State and actions of the target picker. */
export interface TargetPicker {
  readonly byUser: {
    readonly status: 'idle' | 'loading';
    readonly message: string | null;
    readonly found: Candidate | null;
  };
  readonly byGroup: {
    readonly status: 'idle' | 'loading';
    readonly message: string | null;
    readonly groups: readonly GroupResult[] | null;
  };
  readonly checkedAvailable: ReadonlySet<string>;
  readonly selected: readonly Target[];
  readonly checkedSelected: ReadonlySet<string>;
  /** Outcome of the last arrow click (limit refusal, duplicates ignored). */
  readonly moveMessage: { readonly intent: 'error' | 'info'; readonly text: string } | null;
  verifyUser(input: string): Promise<void>;
  searchGroups(input: string): Promise<void>;
  toggleGroup(groupId: string): Promise<void>;
  toggleAvailable(key: string, checked: boolean): void;
  toggleSelected(userId: string, checked: boolean): void;
  addChecked(): void;
  removeChecked(): void;
}

function userCandidate(user: DirectoryUserView, source: Target['source']): Candidate {
  const key = source.kind === 'group' ? `${source.groupId}:${user.id}` : `user:${user.id}`;
  return {
    key,
    target: {
      userId: user.id,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      source,
    },
  };
}

/**
 * The target picker's state, starting from the service's saved targets. `service` (Exchange Online
 * or OneDrive) lets the API check each user against what that service protects.
 */
export function useTargetPicker(initial: readonly Target[], service?: ServiceId): TargetPicker {
  const { api } = useTab();
  const [byUser, setByUser] = useState<TargetPicker['byUser']>({
    status: 'idle',
    message: null,
    found: null,
  });
  const [byGroup, setByGroup] = useState<TargetPicker['byGroup']>({
    status: 'idle',
    message: null,
    groups: null,
  });
  const [checkedAvailable, setCheckedAvailable] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState<readonly Target[]>(initial);
  const [checkedSelected, setCheckedSelected] = useState<ReadonlySet<string>>(new Set());
  const [moveMessage, setMoveMessage] = useState<TargetPicker['moveMessage']>(null);

  const verifyUser = useCallback(
    async (input: string) => {
      const upn = parseUserPrincipalName(input);
      if (!upn.ok) {
        setByUser({ status: 'idle', message: upn.error.message, found: null });
        return;
      }
      setByUser({ status: 'loading', message: null, found: null });
      const result = await api.findUser(upn.value, service);
      if (result.ok) {
        const found = userCandidate(result.value.user, { kind: 'user' });
        setByUser({ status: 'idle', message: null, found });
        setCheckedAvailable((current) => new Set(current).add(found.key));
      } else {
        const message =
          result.error.code === 'user_not_found'
            ? `${upn.value} was not found in your directory.`
            : result.error.message;
        setByUser({ status: 'idle', message, found: null });
      }
    },
    [api, service],
  );

  const searchGroups = useCallback(
    async (input: string) => {
      const query = parseGroupQuery(input);
      if (!query.ok) {
        setByGroup({ status: 'idle', message: query.error.message, groups: null });
        return;
      }
      setByGroup({ status: 'loading', message: null, groups: null });
      const result = await api.findGroups(query.value);
      if (!result.ok) {
        setByGroup({ status: 'idle', message: result.error.message, groups: null });
        return;
      }
      const groups = result.value.groups.map((group): GroupResult => ({ group, users: 'collapsed' }));
      setByGroup({
        status: 'idle',
        message: groups.length === 0 ? `No group name starts with "${query.value}".` : null,
        groups,
      });
    },
    [api],
  );

  const setGroupUsers = (groupId: string, users: GroupResult['users']): void =>
    setByGroup((current) => ({
      ...current,
      groups:
        current.groups?.map((entry) => (entry.group.id === groupId ? { ...entry, users } : entry)) ?? null,
    }));

  const toggleGroup = useCallback(
    async (groupId: string) => {
      const entry = byGroup.groups?.find((candidate) => candidate.group.id === groupId);
      if (!entry) return;
      if (entry.users !== 'collapsed') {
        setGroupUsers(groupId, 'collapsed');
        return;
      }
      setGroupUsers(groupId, 'loading');
      const result = await api.groupUsers(groupId, service);
      setGroupUsers(
        groupId,
        result.ok
          ? {
              list: result.value.users.map((user) =>
                userCandidate(user, { kind: 'group', groupId, groupName: entry.group.displayName }),
              ),
              more: result.value.more,
              excluded: result.value.excluded,
            }
          : { error: result.error.message },
      );
    },
    [api, byGroup.groups, service],
  );

  const allCandidates = (): Candidate[] => [
    ...(byUser.found ? [byUser.found] : []),
    ...(byGroup.groups ?? []).flatMap((entry) =>
      typeof entry.users === 'object' && 'list' in entry.users ? entry.users.list : [],
    ),
  ];

  const addChecked = (): void => {
    const candidates = allCandidates().filter((candidate) => checkedAvailable.has(candidate.key));
    if (candidates.length === 0) {
      setMoveMessage({ intent: 'info', text: 'Select users in Available Targets first.' });
      return;
    }
    const result = addTargets(
      selected,
      candidates.map((candidate) => candidate.target),
    );
    if (!result.ok) {
      setMoveMessage({ intent: 'error', text: result.error.message });
      return;
    }
    setSelected(result.value.targets);
    setCheckedAvailable(new Set());
    const duplicates = result.value.duplicates.length;
    setMoveMessage(
      duplicates > 0
        ? {
            intent: 'info',
            text: `${duplicates} already selected ${duplicates === 1 ? 'user was' : 'users were'} ignored.`,
          }
        : null,
    );
  };

  const removeChecked = (): void => {
    if (checkedSelected.size === 0) {
      setMoveMessage({ intent: 'info', text: 'Select users in Selected Targets first.' });
      return;
    }
    setSelected((current) => removeTargets(current, [...checkedSelected]));
    setCheckedSelected(new Set());
    setMoveMessage(null);
  };

  const toggle = (set: ReadonlySet<string>, key: string, checked: boolean): ReadonlySet<string> => {
    const next = new Set(set);
    if (checked) next.add(key);
    else next.delete(key);
    return next;
  };

  return {
    byUser,
    byGroup,
    checkedAvailable,
    selected,
    checkedSelected,
    moveMessage,
    verifyUser,
    searchGroups,
    toggleGroup,
    toggleAvailable: (key, checked) => setCheckedAvailable((current) => toggle(current, key, checked)),
    toggleSelected: (userId, checked) => setCheckedSelected((current) => toggle(current, userId, checked)),
    addChecked,
    removeChecked,
  };
}
