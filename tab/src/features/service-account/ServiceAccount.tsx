/**
 * **Administration > Service Account** (R10): per service its tenant, status and the cause of a
 * broken token, then one row per app registration (one per consent step, ADR 0013) with its
 * status, when it was last verified, its roles, and **Create new access token**, which runs that
 * step's consent only and lets the API re-verify the whole service.
 */
import { SERVICE_ACCOUNT_PAGE } from '@cas/core';
import {
  Badge,
  Body1Strong,
  Button,
  Card,
  CardHeader,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Subtitle2,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useState } from 'react';
import { runConsentStep, type ConsentStepResult } from '../../app/consent-flow.js';
import { formatTime } from '../../app/format.js';
import { PageHeading } from '../../app/PageHeading.js';
import { PageState } from '../../app/PageState.js';
import { useTab } from '../../app/tab-context.js';
import { useApiResource } from '../../app/use-api-resource.js';
import type { ConsentStepView, EwsStateView, ServiceAccountView } from '@cas/contracts';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  cards: { display: 'grid', gap: tokens.spacingVerticalL },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalXS,
    margin: 0,
  },
  term: { color: tokens.colorNeutralForeground2 },
  detail: { margin: 0, overflowWrap: 'anywhere' },
  apps: { margin: 0, padding: 0, listStyle: 'none', display: 'grid', gap: tokens.spacingVerticalM },
  app: {
    display: 'grid',
    gap: tokens.spacingVerticalS,
    paddingTop: tokens.spacingVerticalS,
    borderTop: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  appHeader: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center', flexWrap: 'wrap' },
  renew: { display: 'grid', gap: tokens.spacingVerticalS, justifyItems: 'start' },
});

const STATUS_TEXT: Readonly<Record<ServiceAccountView['status'], string>> = {
  notProvisioned: 'Not provisioned',
  consentStep1Done: 'Step 1 of 2 granted',
  consented: 'Consent granted, scope not saved',
  protected: 'Healthy',
  tokenInvalid: 'Access token invalid',
};

/** The Service Account screen. */
export function ServiceAccount(): ReactNode {
  const { api } = useTab();
  const load = useCallback(() => api.serviceAccount(), [api]);
  const resource = useApiResource(load);
  const styles = useStyles();
  return (
    <section aria-labelledby="service-account-title">
      <PageHeading>
        <span id="service-account-title">{SERVICE_ACCOUNT_PAGE}</span>
      </PageHeading>
      <PageState resource={resource} loadingLabel="Loading service accounts…">
        {(data) => (
          <div className={styles.cards}>
            {data.changeNotifications ? (
              <MessageBar intent={data.changeNotifications.state === 'failing' ? 'warning' : 'info'}>
                <MessageBarBody>{data.changeNotifications.message}</MessageBarBody>
              </MessageBar>
            ) : null}
            {data.services.map((account) => (
              <ServiceAccountCard key={account.service} account={account} onRenewed={resource.reload} />
            ))}
          </div>
        )}
      </PageState>
    </section>
  );
}

/** Props of {@link ServiceAccountCard}. */
export interface ServiceAccountCardProps {
  readonly account: ServiceAccountView;
  /** Called after a step's consent was accepted, to show the fresh state. */
  readonly onRenewed: () => void;
}

const APP_STATUS: Readonly<
  Record<ConsentStepView['token']['status'], { text: string; color: 'success' | 'danger' | 'informative' }>
> = {
  healthy: { text: 'Healthy', color: 'success' },
  invalid: { text: 'Access token invalid', color: 'danger' },
  notGranted: { text: 'Not granted', color: 'informative' },
};

/** One service's account. */
export function ServiceAccountCard({ account, onRenewed }: ServiceAccountCardProps): ReactNode {
  const { locale } = useTab();
  const styles = useStyles();
  const provisioned = account.status === 'protected' || account.status === 'tokenInvalid';
  const titleId = `account-${account.service}`;

  return (
    <Card aria-labelledby={titleId}>
      <CardHeader
        header={
          <Subtitle2 as="h2" id={titleId}>
            {account.name}
          </Subtitle2>
        }
        description={
          <Badge
            appearance="tint"
            color={
              account.status === 'tokenInvalid'
                ? 'danger'
                : account.status === 'protected'
                  ? 'success'
                  : 'informative'
            }
          >
            {STATUS_TEXT[account.status]}
          </Badge>
        }
      />
      <dl className={styles.facts}>
        <dt className={styles.term}>Tenant</dt>
        <dd className={styles.detail}>{account.tenantId}</dd>
        <dt className={styles.term}>Token last verified</dt>
        <dd className={styles.detail}>{formatTime(account.lastVerifiedAt, locale)}</dd>
        {account.tokenFailure ? (
          <>
            <dt className={styles.term}>Cause</dt>
            <dd className={styles.detail}>{account.tokenFailure.message}</dd>
          </>
        ) : null}
      </dl>
      {account.ews ? <EwsStatus service={account.service} ews={account.ews} /> : null}
      <ul className={styles.apps} aria-label={`App registrations of ${account.name}`}>
        {account.consentSteps.map((step) => (
          <AppRow
            key={step.step}
            account={account}
            step={step}
            provisioned={provisioned}
            onRenewed={onRenewed}
          />
        ))}
      </ul>
    </Card>
  );
}

const EWS_STATUS: Readonly<
  Record<EwsStateView['state'], { text: string; color: 'success' | 'danger' | 'warning' | 'informative' }>
> = {
  works: { text: 'Works', color: 'success' },
  blocked: { text: 'Blocked', color: 'danger' },
  tokenRefused: { text: 'Token refused', color: 'danger' },
  unknown: { text: 'Unknown', color: 'warning' },
  notConsented: { text: 'Not consented', color: 'informative' },
};

/**
 * Exchange Online with EWS enabled (issue 17): whether the EWS app's token still works, now that
 * Exchange Online blocks EWS by default, in the API's words.
 */
function EwsStatus({ service, ews }: { readonly service: string; readonly ews: EwsStateView }): ReactNode {
  const { locale } = useTab();
  const styles = useStyles();
  const status = EWS_STATUS[ews.state];
  const rowId = `ews-${service}`;
  return (
    <section className={styles.app} aria-labelledby={rowId}>
      <div className={styles.appHeader}>
        <Body1Strong id={rowId}>Exchange Web Services (EWS)</Body1Strong>
        <Badge appearance="tint" color={status.color}>
          {status.text}
        </Badge>
      </div>
      <dl className={styles.facts}>
        <dt className={styles.term}>State</dt>
        <dd className={styles.detail}>{ews.message}</dd>
        <dt className={styles.term}>Last checked</dt>
        <dd className={styles.detail}>{formatTime(ews.checkedAt, locale, 'Not checked yet')}</dd>
      </dl>
    </section>
  );
}

/** One app registration of a service: its status, roles and Create new access token. */
function AppRow({
  account,
  step,
  provisioned,
  onRenewed,
}: {
  readonly account: ServiceAccountView;
  readonly step: ConsentStepView;
  readonly provisioned: boolean;
  readonly onRenewed: () => void;
}): ReactNode {
  const { api, host, locale, me, refreshUnread } = useTab();
  const styles = useStyles();
  const [outcome, setOutcome] = useState<'waiting' | ConsentStepResult | undefined>(undefined);
  const status = APP_STATUS[step.token.status];
  const rowId = `app-${account.service}-${step.step}`;

  // The popup opens from the admin's own click: runConsentStep runs synchronously in it.
  const renew = (): void => {
    setOutcome('waiting');
    void runConsentStep(host, () => api.startTokenRenewal(account.service, step.step)).then((result) => {
      setOutcome(result);
      if (result.ok) {
        refreshUnread();
        onRenewed();
      }
    });
  };

  return (
    <li className={styles.app} aria-labelledby={rowId}>
      <div className={styles.appHeader}>
        <Body1Strong id={rowId}>
          Step {step.stepNumber}: {step.appName}
        </Body1Strong>
        <Badge appearance="tint" color={status.color}>
          {status.text}
        </Badge>
      </div>
      <dl className={styles.facts}>
        <dt className={styles.term}>Purpose</dt>
        <dd className={styles.detail}>{step.purpose}</dd>
        <dt className={styles.term}>Permissions</dt>
        <dd className={styles.detail}>
          {step.resource}: {step.roles.join(', ')}
        </dd>
        <dt className={styles.term}>Consent</dt>
        <dd className={styles.detail}>
          {step.granted
            ? `granted ${formatTime(step.grantedAt, locale, '')}${step.grantedBy ? ` by ${step.grantedBy}` : ''}`
            : 'not granted'}
        </dd>
        <dt className={styles.term}>Last verified</dt>
        <dd className={styles.detail}>{formatTime(step.token.lastVerifiedAt, locale)}</dd>
        {step.token.failure ? (
          <>
            <dt className={styles.term}>Cause</dt>
            <dd className={styles.detail}>{step.token.failure.message}</dd>
          </>
        ) : null}
      </dl>
      {provisioned ? (
        <div className={styles.renew}>
          <Button
            appearance={step.token.status === 'invalid' ? 'primary' : 'secondary'}
            disabled={me?.isGlobalAdministrator !== true || outcome === 'waiting'}
            aria-label={`Create new access token for ${step.appName}`}
            onClick={renew}
          >
            Create new access token
          </Button>
          {outcome === 'waiting' ? (
            <Spinner size="tiny" label="Waiting for the Microsoft sign-in window…" />
          ) : null}
          {typeof outcome === 'object' && !outcome.ok ? (
            <MessageBar intent="error" role="alert">
              <MessageBarBody>
                <MessageBarTitle>{outcome.title}</MessageBarTitle>
                {outcome.message}
              </MessageBarBody>
            </MessageBar>
          ) : null}
          {typeof outcome === 'object' && outcome.ok ? (
            <MessageBar intent="success" role="status">
              <MessageBarBody>
                {outcome.code === 'reauthorised'
                  ? `New access token created for ${account.name}; the token is healthy again.`
                  : outcome.message}
              </MessageBarBody>
            </MessageBar>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}
