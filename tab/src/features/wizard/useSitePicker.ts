/**
 * Behaviour of SharePoint Online's Selected Targets (issue 17): the admin pastes a site collection
 * URL and presses Enter or **Add**; the API verifies it in Graph and the site joins Selected Targets
 * with its name. At most 100, a site already there is ignored with a quiet note, and the arrow
 * button removes the checked ones. The rules (URL shape, the limit, duplicates) are @cas/core's;
 * this hook only keeps the screen's state.
 */
import { addSiteTarget, parseSiteCollectionUrl, removeSiteTargets, type SiteTarget } from '@cas/core';
import { useCallback, useRef, useState } from 'react';
import { useTab } from '../../app/tab-context.js';

/** What the last Add said: the site added, a duplicate ignored, or why nothing was added. */
export type SiteAddOutcome =
  | { readonly kind: 'added'; readonly site: SiteTarget }
  | { readonly kind: 'duplicate'; readonly site: SiteTarget }
  | { readonly kind: 'refused'; readonly message: string };

/** State and actions of the site collection picker. */
export interface SitePicker {
  /** The URL field's text; kept when the URL is refused, so the admin can correct it. */
  readonly url: string;
  readonly status: 'idle' | 'verifying';
  readonly outcome: SiteAddOutcome | null;
  readonly selected: readonly SiteTarget[];
  readonly checkedSelected: ReadonlySet<string>;
  /** Outcome of the last remove click when nothing was checked. */
  readonly removeMessage: string | null;
  setUrl(value: string): void;
  /** Verifies the field's URL with the API and adds the site; resolves once the outcome is shown. */
  add(): Promise<void>;
  toggleSelected(siteId: string, checked: boolean): void;
  removeChecked(): void;
}

/** The site collection picker's state, starting from the service's saved sites. */
export function useSitePicker(initial: readonly SiteTarget[]): SitePicker {
  const { api } = useTab();
  const [url, setUrl] = useState('');
  const [status, setStatus] = useState<SitePicker['status']>('idle');
  const [outcome, setOutcome] = useState<SiteAddOutcome | null>(null);
  const [selected, setSelected] = useState<readonly SiteTarget[]>(initial);
  const [checkedSelected, setCheckedSelected] = useState<ReadonlySet<string>>(new Set());
  const [removeMessage, setRemoveMessage] = useState<string | null>(null);
  // The latest selection, for an answer that arrives after other changes (a removal meanwhile).
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const busy = useRef(false);

  const add = useCallback(async () => {
    // A second Enter while the first URL is being verified would verify it twice.
    if (busy.current) return;
    setRemoveMessage(null);
    const parsed = parseSiteCollectionUrl(url);
    if (!parsed.ok) {
      setOutcome({ kind: 'refused', message: parsed.error.message });
      return;
    }
    busy.current = true;
    setStatus('verifying');
    setOutcome(null);
    const result = await api.findSite(url.trim());
    busy.current = false;
    setStatus('idle');
    if (!result.ok) {
      setOutcome({ kind: 'refused', message: result.error.message });
      return;
    }
    const { site } = result.value;
    const added = addSiteTarget(selectedRef.current, site);
    if (!added.ok) {
      setOutcome({ kind: 'refused', message: added.error.message });
      return;
    }
    setSelected(added.value.targets);
    setOutcome({ kind: added.value.duplicate ? 'duplicate' : 'added', site });
    setUrl('');
  }, [api, url]);

  const removeChecked = (): void => {
    if (checkedSelected.size === 0) {
      setRemoveMessage('Select site collections in Selected Targets first.');
      return;
    }
    setSelected((current) => removeSiteTargets(current, [...checkedSelected]));
    setCheckedSelected(new Set());
    setRemoveMessage(null);
    setOutcome(null);
  };

  return {
    url,
    status,
    outcome,
    selected,
    checkedSelected,
    removeMessage,
    setUrl,
    add,
    toggleSelected: (siteId, checked) =>
      setCheckedSelected((current) => {
        const next = new Set(current);
        if (checked) next.add(siteId);
        else next.delete(siteId);
        return next;
      }),
    removeChecked,
  };
}
