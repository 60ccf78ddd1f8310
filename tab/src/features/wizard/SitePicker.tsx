/**
 * SharePoint Online's **Available Targets** and **Selected Targets** (issue 17): a site collection
 * URL field with **Add** (or Enter), the verified sites with their names, the arrow button that
 * removes the checked ones, and the 100-site counter.
 */
import { MAX_SELECTED_SITES } from '@cas/core';
import { Button, Checkbox, Field, Input, Spinner, Subtitle2, Text } from '@fluentui/react-components';
import { ArrowLeftRegular } from '@fluentui/react-icons';
import { useRef } from 'react';
import { formatCount } from '../../app/format.js';
import { useTab } from '../../app/tab-context.js';
import { SelectedTargetsPane } from './SelectedTargetsPane.js';
import { useWizardStyles } from './useWizardStyles.styles.js';
import type { SitePicker as SitePickerState } from './useSitePicker.js';
import type { KeyboardEvent, ReactNode } from 'react';

/** Props of {@link SitePicker}. */
export interface SitePickerProps {
  /** State from useSitePicker. */
  readonly picker: SitePickerState;
}

/** The URL field, the remove arrow and the selected site collections. */
export function SitePicker({ picker }: SitePickerProps): ReactNode {
  const styles = useWizardStyles();
  const { locale } = useTab();
  const input = useRef<HTMLInputElement>(null);
  const refused = picker.outcome?.kind === 'refused' ? picker.outcome.message : null;

  // Focus stays in (or returns to) the field: after a refusal to correct the text, after a site was
  // added to paste the next one.
  const add = (): void => {
    void picker.add().then(() => input.current?.focus());
  };
  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.key === 'Enter') {
      event.preventDefault();
      add();
    }
  };

  return (
    <div className={styles.picker}>
      <section className={styles.pane} aria-labelledby="available-targets">
        <Subtitle2 as="h3" id="available-targets">
          Available Targets
        </Subtitle2>
        <Field
          label="Site collection URL"
          hint="Paste the URL of a site collection and press Enter or Add."
          validationMessage={refused ?? undefined}
          validationState={refused ? 'error' : 'none'}
        >
          <Input
            ref={input}
            value={picker.url}
            type="url"
            placeholder="https://contoso.sharepoint.com/sites/Marketing"
            // Read-only rather than disabled while verifying, so the focus stays in the field.
            readOnly={picker.status === 'verifying'}
            onChange={(_, data) => picker.setUrl(data.value)}
            onKeyDown={onKeyDown}
          />
        </Field>
        <div className={styles.addRow}>
          <Button appearance="primary" disabled={picker.status === 'verifying'} onClick={add}>
            Add
          </Button>
          {picker.status === 'verifying' ? <Spinner size="tiny" label="Verifying the site…" /> : null}
        </div>
        {/* Announces what Add did; a refusal is announced by the field's own alert. */}
        <Text aria-live="polite" role="status" aria-label="Site verification">
          {picker.outcome?.kind === 'added'
            ? `Added ${picker.outcome.site.displayName} (${picker.outcome.site.webUrl}).`
            : picker.outcome?.kind === 'duplicate'
              ? `${picker.outcome.site.displayName} is already in Selected Targets.`
              : ''}
        </Text>
      </section>
      <div className={styles.arrows}>
        <Button
          icon={<ArrowLeftRegular />}
          aria-label="Remove the selected site collections from Selected Targets"
          onClick={picker.removeChecked}
        />
      </div>
      <SelectedTargetsPane
        count={`${formatCount(picker.selected.length, locale)} of ${formatCount(MAX_SELECTED_SITES, locale)} site collections selected`}
        message={picker.removeMessage === null ? null : { intent: 'info', text: picker.removeMessage }}
        emptyText={`No site collections selected yet. You can synchronize a maximum of ${MAX_SELECTED_SITES} site collections.`}
      >
        {picker.selected.map((site) => (
          <li key={site.siteId} className={styles.site}>
            <Checkbox
              label={
                <>
                  <Text weight="semibold">{site.displayName}</Text>{' '}
                  <Text size={200} className={styles.siteUrl}>
                    {site.webUrl}
                  </Text>
                </>
              }
              checked={picker.checkedSelected.has(site.siteId)}
              onChange={(_, data) => picker.toggleSelected(site.siteId, data.checked === true)}
            />
          </li>
        ))}
      </SelectedTargetsPane>
    </div>
  );
}
