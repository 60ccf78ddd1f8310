/**
 * The scope preview before **Done** (how many users a choice covers): the selected users' count,
 * or for **Synchronize all users and groups** the directory's user count from the API. Only a
 * Global Administrator may ask for that count; without it the sentence is shown without a number.
 */
import { useEffect, useState } from 'react';
import { formatCount } from '../../app/format.js';
import { useTab } from '../../app/tab-context.js';
import type { ServiceId, SyncScope } from '@cas/core';

/** The directory's user count: loading, known, or unknown (refused or unreachable). */
export type DirectorySize =
  | { readonly status: 'loading' }
  | { readonly status: 'known'; readonly users: number }
  | { readonly status: 'unknown' };

/** Loads the directory's user count once `enabled` turns true (the all-users choice is shown). */
export function useDirectorySize(enabled: boolean): DirectorySize {
  const { api } = useTab();
  const [size, setSize] = useState<DirectorySize>({ status: 'loading' });
  const [requested, setRequested] = useState(false);
  useEffect(() => {
    if (!enabled || requested) return;
    setRequested(true);
    void api.targetsSummary().then((result) => {
      setSize(result.ok ? { status: 'known', users: result.value.users } : { status: 'unknown' });
    });
  }, [api, enabled, requested]);
  return size;
}

/** The preview sentence for a scope; SharePoint Online counts site collections, not users. */
export function scopePreviewText(
  service: ServiceId,
  scope: SyncScope,
  figures: { readonly selected: number; readonly directory: DirectorySize },
  locale: string,
): string {
  if (service === 'sharePointOnline') {
    if (scope === 'allUsersAndGroups')
      return 'Scope preview: every site collection of your organization will be protected and kept current automatically once per day.';
    const sites = figures.selected === 1 ? 'site collection' : 'site collections';
    return `Scope preview: ${formatCount(figures.selected, locale)} selected ${sites} will be protected. Manual and scheduled synchronization are not available with selected targets.`;
  }
  if (scope === 'selectedUsers') {
    const users = figures.selected === 1 ? 'user' : 'users';
    return `Scope preview: ${formatCount(figures.selected, locale)} selected ${users} will be protected. Manual and scheduled synchronization are not available with selected users.`;
  }
  const { directory } = figures;
  const who =
    directory.status === 'known'
      ? `all ${formatCount(directory.users, locale)} ${directory.users === 1 ? 'user' : 'users'} of your directory`
      : 'every user of your directory';
  // What is protected of each user: not every user has a mailbox or a OneDrive (issue 17).
  const what = service === 'exchangeOnline' ? 'the mailboxes' : 'the OneDrive accounts';
  return `Scope preview: ${what} of ${who}, in every group, nested groups included, will be protected and kept current automatically once per day.`;
}
