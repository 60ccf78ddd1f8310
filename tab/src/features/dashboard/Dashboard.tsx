/**
 * Dashboard: a tile per service (status, scope, what it protects and when that was last
 * synchronized, its last run, token health); hovering or
 * focusing a tile reveals **Provision** (or **Manage** once provisioned). A broken token shows here (R9).
 */
import { picksUsers } from '@cas/core';
import {
  Badge,
  Body1,
  Button,
  Link,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  mergeClasses,
  Subtitle2,
} from '@fluentui/react-components';
import { useCallback } from 'react';
import { formatCount, formatTime } from '../../app/format.js';
import { PageHeading } from '../../app/PageHeading.js';
import { PageState } from '../../app/PageState.js';
import { useTab } from '../../app/tab-context.js';
import { useApiResource } from '../../app/use-api-resource.js';
import { scopeLabel, STATUS_COLORS, STATUS_LABELS } from './service-status.js';
import { useRevealOnHoverOrFocus } from './use-reveal-on-hover-or-focus.js';
import { useDashboardStyles } from './useDashboardStyles.styles.js';
import type { ServiceView } from '@cas/contracts';
import type { ReactNode } from 'react';

/** The Dashboard screen. */
export function Dashboard(): ReactNode {
  const { api } = useTab();
  const load = useCallback(() => api.provisioning(), [api]);
  const provisioning = useApiResource(load);
  const styles = useDashboardStyles();
  return (
    <section aria-labelledby="dashboard-title">
      <PageHeading>
        <span id="dashboard-title">Dashboard</span>
      </PageHeading>
      <PageState resource={provisioning} loadingLabel="Loading your services…">
        {(view) => (
          <>
            {view.services
              .filter((service) => service.status === 'tokenInvalid')
              .map((service) => (
                <TokenInvalidBanner key={service.service} service={service} />
              ))}
            <div className={styles.grid} role="list" aria-label="Services">
              {view.services.map((service) => (
                <ServiceTile key={service.service} service={service} />
              ))}
            </div>
          </>
        )}
      </PageState>
    </section>
  );
}

function TokenInvalidBanner({ service }: { service: ServiceView }): ReactNode {
  const { navigate } = useTab();
  return (
    <MessageBar intent="error">
      <MessageBarBody>
        <MessageBarTitle>{service.name}: the access token is invalid.</MessageBarTitle>
        {service.tokenFailure?.message}{' '}
        <Link as="button" onClick={() => navigate({ page: 'serviceAccount' })}>
          Go to Administration &gt; Service Account
        </Link>
      </MessageBarBody>
    </MessageBar>
  );
}

/** Props of {@link ServiceTile}. */
export interface ServiceTileProps {
  /** The service this tile shows. */
  readonly service: ServiceView;
}

/** One service's tile. */
export function ServiceTile({ service }: ServiceTileProps): ReactNode {
  const { navigate, locale } = useTab();
  const styles = useDashboardStyles();
  const reveal = useRevealOnHoverOrFocus();
  const provisioned = service.status === 'protected' || service.status === 'tokenInvalid';
  const titleId = `tile-${service.service}`;
  const sync = service.lastSync;
  // What the service protects after its last successful run (null before the first one).
  const protection = service.protectedTargets;
  const selectedCount = picksUsers(service.service) ? service.targets.length : service.sites.length;
  return (
    <div role="listitem">
      <article className={styles.tile} aria-labelledby={titleId} {...reveal.handlers}>
        <div className={styles.header}>
          <Subtitle2 as="h2" id={titleId} className={styles.title}>
            {service.name}
          </Subtitle2>
          <Badge appearance="tint" color={STATUS_COLORS[service.status]}>
            {STATUS_LABELS[service.status]}
          </Badge>
        </div>
        <dl className={styles.facts}>
          <dt className={styles.term}>Scope</dt>
          <dd className={styles.detail}>
            {scopeLabel(service.service, service.scope)}
            {service.scope === 'selectedUsers' ? ` (${formatCount(selectedCount, locale)})` : ''}
          </dd>
          {protection ? (
            <>
              <dt className={styles.term}>Protected targets</dt>
              <dd className={styles.detail}>{protection.text}</dd>
              {protection.lastSynchronizedAt !== null ? (
                <>
                  <dt className={styles.term}>Last synchronized</dt>
                  <dd className={styles.detail}>{formatTime(protection.lastSynchronizedAt, locale)}</dd>
                </>
              ) : null}
            </>
          ) : provisioned ? (
            <>
              <dt className={styles.term}>Protected targets</dt>
              <dd className={styles.detail}>Not synchronized yet</dd>
            </>
          ) : null}
          <dt className={styles.term}>Last run</dt>
          <dd className={styles.detail}>
            {sync ? `${formatTime(sync.finishedAt ?? sync.requestedAt, locale)} (${sync.status})` : 'Never'}
          </dd>
          <dt className={styles.term}>Token health</dt>
          <dd className={styles.detail}>
            <Body1>
              {service.status === 'tokenInvalid'
                ? (service.tokenFailure?.message ?? 'Invalid')
                : service.lastVerifiedAt
                  ? `Verified ${formatTime(service.lastVerifiedAt, locale)}`
                  : 'Not verified yet'}
            </Body1>
          </dd>
        </dl>
        <div className={styles.footer}>
          <Button
            appearance="primary"
            className={mergeClasses(styles.action, reveal.revealed && styles.revealed)}
            aria-label={`${provisioned ? 'Manage' : 'Provision'} ${service.name}`}
            onClick={() => navigate({ page: 'provision', service: service.service })}
          >
            {provisioned ? 'Manage' : 'Provision'}
          </Button>
        </div>
      </article>
    </div>
  );
}
