/**
 * **Administration > Service Account** (R10): per service its tenant, status, the cause of a broken
 * token, when the token was last verified, the consent steps and roles, and **Create new access
 * token** (every consent step again, then re-verified by the API).
 */
import { SERVICE_ACCOUNT_PAGE, type ConsentStep } from '@cas/core';
import {
  Badge,
  Body1,
  Button,
  Card,
  CardHeader,
  Link,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Subtitle2,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useEffect, useRef, useState } from 'react';
import { runConsentStep, type ConsentStepResult } from '../../app/consent-flow.js';
import { formatTime } from '../../app/format.js';
import { PageHeading } from '../../app/PageHeading.js';
import { PageState } from '../../app/PageState.js';
import { useTab } from '../../app/tab-context.js';
import { useApiResource } from '../../app/use-api-resource.js';
import type { ServiceAccountView } from '@cas/contracts';
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
  steps: { margin: 0, paddingLeft: tokens.spacingHorizontalXL },
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
  /** Called once every step of Create new access token succeeded. */
  readonly onRenewed: () => void;
}

/** One service's account. */
export function ServiceAccountCard({ account, onRenewed }: ServiceAccountCardProps): ReactNode {
  const { api, host, locale, me, refreshUnread } = useTab();
  const styles = useStyles();
  const [renewing, setRenewing] = useState(false);
  const [progress, setProgress] = useState<Partial<Record<ConsentStep, 'waiting' | ConsentStepResult>>>({});
  const provisioned = account.status === 'protected' || account.status === 'tokenInvalid';
  const titleId = `account-${account.service}`;

  const runStep = (step: ConsentStep): void => {
    setProgress((value) => ({ ...value, [step]: 'waiting' }));
    void runConsentStep(host, () => api.startTokenRenewal(account.service, step)).then((result) =>
      setProgress((value) => ({ ...value, [step]: result })),
    );
  };

  const allDone =
    renewing &&
    account.consentSteps.every((candidate) => {
      const outcome = progress[candidate.step];
      return typeof outcome === 'object' && outcome.ok;
    });
  useEffect(() => {
    if (!allDone) return;
    // Every step re-consented and proven: the API cleared the incident; show the fresh state.
    setRenewing(false);
    refreshUnread();
    onRenewed();
  }, [allDone, refreshUnread, onRenewed]);

  // The steps replace the button: keyboard focus moves to Step 1's Click here, not to the page.
  const firstStepLink = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (renewing) firstStepLink.current?.focus();
  }, [renewing]);

  const start = (): void => {
    setProgress({});
    setRenewing(true);
  };

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
        <dt className={styles.term}>Consent steps</dt>
        <dd className={styles.detail}>
          <ul className={styles.steps}>
            {account.consentSteps.map((step) => (
              <li key={step.step}>
                Step {step.stepNumber}: {step.purpose} — roles {step.roles.join(', ')};{' '}
                {step.granted ? `granted ${formatTime(step.grantedAt, locale, '')}` : 'not granted'}
              </li>
            ))}
          </ul>
        </dd>
      </dl>
      {provisioned ? (
        <div className={styles.renew}>
          {renewing ? (
            account.consentSteps.map((step, index) => {
              const outcome = progress[step.step];
              const previous = account.consentSteps[index - 1];
              const previousOutcome = previous ? progress[previous.step] : undefined;
              const ready =
                previous === undefined || (typeof previousOutcome === 'object' && previousOutcome.ok);
              return (
                <div key={step.step}>
                  <Body1>
                    Step {step.stepNumber}: sign in with a Global Administrator and click Accept.{' '}
                    {typeof outcome === 'object' && outcome.ok ? (
                      'Done.'
                    ) : (
                      <Link
                        as="button"
                        ref={index === 0 ? firstStepLink : undefined}
                        disabled={!ready || outcome === 'waiting'}
                        aria-label={`Click here (${account.name}, Step ${step.stepNumber})`}
                        onClick={() => runStep(step.step)}
                      >
                        Click here
                      </Link>
                    )}
                  </Body1>
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
                </div>
              );
            })
          ) : (
            <Button
              appearance={account.status === 'tokenInvalid' ? 'primary' : 'secondary'}
              disabled={me?.isGlobalAdministrator !== true}
              aria-label={`Create new access token for ${account.name}`}
              onClick={start}
            >
              Create new access token
            </Button>
          )}
          {!renewing &&
          Object.values(progress).length > 0 &&
          Object.values(progress).every((o) => typeof o === 'object' && o.ok) ? (
            <MessageBar intent="success" role="status">
              <MessageBarBody>
                New access token created for {account.name}; the token is healthy again.
              </MessageBarBody>
            </MessageBar>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}
