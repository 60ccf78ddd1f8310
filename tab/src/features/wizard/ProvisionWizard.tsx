/**
 * **Provision Service Account for <service>**: Step 1 and Step 2 (consent), the scope choice
 * (R1, R2), Available and Selected Targets (R7, R8; site collections for SharePoint Online), a
 * scope preview, and **Done**.
 */
import {
  picksUsers,
  scopeLabelsFor,
  SERVICE_NAMES,
  SYNC_SCOPES,
  type ConsentStep,
  type ServiceId,
  type SyncScope,
} from '@cas/core';
import {
  Button,
  Link,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Radio,
  RadioGroup,
  Field,
  Spinner,
  Subtitle2,
  Text,
} from '@fluentui/react-components';
import { useCallback, useState } from 'react';
import { runConsentStep } from '../../app/consent-flow.js';
import { PageHeading } from '../../app/PageHeading.js';
import { PageState } from '../../app/PageState.js';
import { useTab } from '../../app/tab-context.js';
import { useApiResource } from '../../app/use-api-resource.js';
import { ConsentSteps, type StepProgress } from './ConsentSteps.js';
import { SitePicker } from './SitePicker.js';
import { TargetPicker } from './TargetPicker.js';
import { scopePreviewText, useDirectorySize } from './use-scope-preview.js';
import { useSitePicker } from './useSitePicker.js';
import { useTargetPicker } from './useTargetPicker.js';
import { useWizardStyles } from './useWizardStyles.styles.js';
import type { ProvisioningView, ServiceView } from '@cas/contracts';
import type { ReactNode } from 'react';

/** Props of {@link ProvisionWizard}. */
export interface ProvisionWizardProps {
  /** The service to provision (Exchange Online, SharePoint Online or OneDrive). */
  readonly service: ServiceId;
}

/** The wizard screen. */
export function ProvisionWizard({ service }: ProvisionWizardProps): ReactNode {
  const { api } = useTab();
  const load = useCallback(() => api.provisioning(), [api]);
  const provisioning = useApiResource(load);
  return (
    <section aria-labelledby="wizard-title">
      <PageHeading>
        <span id="wizard-title">Provision Service Account for {SERVICE_NAMES[service]}</span>
      </PageHeading>
      <PageState resource={provisioning} loadingLabel="Loading the wizard…">
        {(view) => {
          const current = view.services.find((candidate) => candidate.service === service);
          return current ? <WizardBody view={view} current={current} reload={provisioning.reload} /> : null;
        }}
      </PageState>
    </section>
  );
}

function WizardBody({
  view,
  current,
  reload,
}: {
  view: ProvisioningView;
  current: ServiceView;
  reload(): void;
}): ReactNode {
  const { api, host, me, navigate, refreshUnread, locale } = useTab();
  const styles = useWizardStyles();
  const [progress, setProgress] = useState<Partial<Record<ConsentStep, StepProgress>>>({});
  const lock = view.scopeLock !== null && view.scopeLock.service !== current.service ? view.scopeLock : null;
  const [scope, setScope] = useState<SyncScope | null>(lock?.scope ?? current.scope);
  // SharePoint Online picks site collections, the others users (issue 17).
  const users = picksUsers(current.service);
  const picker = useTargetPicker(current.targets, current.service);
  const sitePicker = useSitePicker(current.sites);
  const selectedCount = users ? picker.selected.length : sitePicker.selected.length;
  const labels = scopeLabelsFor(current.service);
  const [saving, setSaving] = useState<'idle' | 'saving'>('idle');
  const [saved, setSaved] = useState<{ ok: boolean; text: string } | null>(null);
  const canConsent = me?.isGlobalAdministrator === true;
  const consented = current.consentSteps.every((step) => step.granted);
  const effectiveScope = lock?.scope ?? scope;
  const directorySize = useDirectorySize(
    users && consented && canConsent && effectiveScope === 'allUsersAndGroups',
  );

  const startStep = (step: ConsentStep): void => {
    setProgress((value) => ({ ...value, [step]: { status: 'waiting' } }));
    const renew = current.status === 'protected' || current.status === 'tokenInvalid';
    void runConsentStep(host, () =>
      renew ? api.startTokenRenewal(current.service, step) : api.startConsent(current.service, step),
    ).then((result) => {
      setProgress((value) => ({ ...value, [step]: { status: 'done', result } }));
      if (result.ok) reload();
    });
  };

  const done = async (): Promise<void> => {
    if (effectiveScope === null) return;
    setSaving('saving');
    const result = await api.saveProvisioning(current.service, {
      scope: effectiveScope,
      ...(effectiveScope !== 'selectedUsers'
        ? {}
        : users
          ? { targets: picker.selected }
          : { sites: sitePicker.selected }),
      expectedVersion: view.version,
    });
    setSaving('idle');
    if (result.ok) {
      setSaved({ ok: true, text: result.value.message });
      refreshUnread();
    } else {
      setSaved({ ok: false, text: result.error.message });
    }
  };

  return (
    <>
      {!canConsent && me !== null ? (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>
            <MessageBarTitle>Only a Global Administrator can provision</MessageBarTitle>
            You are signed in as {me.userPrincipalName}, who is not a Global Administrator of this tenant.
            Sign in with a Global Administrator account to provision {current.name}.
          </MessageBarBody>
        </MessageBar>
      ) : null}
      <ConsentSteps
        steps={current.consentSteps}
        progress={progress}
        onStart={startStep}
        canConsent={canConsent}
      />
      {consented ? (
        <div className={styles.section}>
          <Field
            label={<Subtitle2 as="h2">Synchronization scope</Subtitle2>}
            hint={
              lock
                ? lock.reason
                : 'You need to use the same option for Exchange Online, SharePoint Online, and OneDrive.'
            }
          >
            <RadioGroup
              value={effectiveScope ?? ''}
              disabled={lock !== null || !canConsent}
              onChange={(_, data) => setScope(data.value as SyncScope)}
            >
              {SYNC_SCOPES.map((option) => (
                <Radio key={option} value={option} label={labels[option]} />
              ))}
            </RadioGroup>
          </Field>
          {effectiveScope === 'selectedUsers' ? (
            users ? (
              <TargetPicker picker={picker} />
            ) : (
              <SitePicker picker={sitePicker} />
            )
          ) : null}
          {effectiveScope !== null ? (
            <Text role="status" aria-label="Scope preview">
              {scopePreviewText(
                current.service,
                effectiveScope,
                { selected: selectedCount, directory: directorySize },
                locale,
              )}
            </Text>
          ) : null}
          {saved ? (
            <MessageBar intent={saved.ok ? 'success' : 'error'} role={saved.ok ? 'status' : 'alert'}>
              <MessageBarBody>
                {saved.text}{' '}
                {saved.ok ? (
                  <Link as="button" onClick={() => navigate({ page: 'dashboard' })}>
                    Back to Dashboard
                  </Link>
                ) : null}
              </MessageBarBody>
            </MessageBar>
          ) : null}
          <div className={styles.actions}>
            <Button
              appearance="primary"
              disabled={
                !canConsent ||
                effectiveScope === null ||
                saving === 'saving' ||
                (effectiveScope === 'selectedUsers' && selectedCount === 0)
              }
              onClick={() => void done()}
            >
              Done
            </Button>
            {saving === 'saving' ? <Spinner size="tiny" label="Saving…" /> : null}
            <Button appearance="secondary" onClick={() => navigate({ page: 'dashboard' })}>
              Cancel
            </Button>
          </div>
        </div>
      ) : null}
    </>
  );
}
