/**
 * **Notifications** (under the ring icon): newest first with read state; **Exchange Online
 * protected.**; token-invalid incidents link to Service Account (R9); the Extend offer (R11).
 */
import { EXTEND_OFFER_TEXT, type Notification } from '@cas/core';
import { Badge, Body1, Button, Caption1, Link, mergeClasses, Text } from '@fluentui/react-components';
import { useCallback } from 'react';
import { formatTime } from '../../app/format.js';
import { PageHeading } from '../../app/PageHeading.js';
import { PageState } from '../../app/PageState.js';
import { useTab } from '../../app/tab-context.js';
import { useApiResource } from '../../app/use-api-resource.js';
import { useNotificationsStyles } from './useNotificationsStyles.styles.js';
import type { ReactNode } from 'react';

/** The Notifications screen. */
export function Notifications(): ReactNode {
  const { api } = useTab();
  const load = useCallback(async () => {
    const [list, provisioning] = await Promise.all([api.notifications(), api.provisioning()]);
    if (!list.ok) return list;
    const extendAvailable = provisioning.ok && provisioning.value.extend.available;
    return { ok: true as const, value: { ...list.value, extendAvailable } };
  }, [api]);
  const resource = useApiResource(load);
  return (
    <section aria-labelledby="notifications-title">
      <PageHeading>
        <span id="notifications-title">Notifications</span>
      </PageHeading>
      <PageState resource={resource} loadingLabel="Loading notifications…">
        {(data) => (
          <NotificationList
            notifications={data.notifications}
            extendAvailable={data.extendAvailable}
            onChanged={resource.reload}
          />
        )}
      </PageState>
    </section>
  );
}

/** Props of {@link NotificationList}. */
export interface NotificationListProps {
  readonly notifications: readonly Notification[];
  /** True when the Extend offer applies (R11) even without its notification. */
  readonly extendAvailable: boolean;
  /** Called after a notification was marked read. */
  readonly onChanged: () => void;
}

/** The list of notifications. */
export function NotificationList({
  notifications,
  extendAvailable,
  onChanged,
}: NotificationListProps): ReactNode {
  const { api, navigate, locale, refreshUnread } = useTab();
  const styles = useNotificationsStyles();
  const hasExtendNotification = notifications.some((item) => item.kind === 'extendOffered');
  const markRead = async (id: string): Promise<void> => {
    const result = await api.markRead(id);
    if (result.ok) {
      onChanged();
      refreshUnread();
    }
  };
  if (notifications.length === 0 && !extendAvailable) return <Body1>You have no notifications.</Body1>;
  return (
    <ul className={styles.list} aria-label="Notifications">
      {extendAvailable && !hasExtendNotification ? (
        <li className={styles.item}>
          <Link as="button" onClick={() => navigate({ page: 'extend' })}>
            {EXTEND_OFFER_TEXT}
          </Link>
        </li>
      ) : null}
      {notifications.map((item) => (
        <li key={item.id} className={mergeClasses(styles.item, item.readAt === null && styles.unread)}>
          <div className={styles.text}>
            <Text weight={item.readAt === null ? 'semibold' : 'regular'}>
              {item.kind === 'extendOffered' ? (
                <Link as="button" onClick={() => navigate({ page: 'extend' })}>
                  {item.message}
                </Link>
              ) : (
                item.message
              )}
            </Text>
            <Caption1>{formatTime(item.createdAt, locale)}</Caption1>
            {item.kind === 'tokenInvalid' ? (
              <Link as="button" onClick={() => navigate({ page: 'serviceAccount' })}>
                Open Administration &gt; Service Account
              </Link>
            ) : null}
          </div>
          {item.readAt === null ? (
            <>
              <Badge appearance="filled" color="brand">
                Unread
              </Badge>
              <Button
                size="small"
                onClick={() => void markRead(item.id)}
                aria-label={`Mark as read: ${item.message}`}
              >
                Mark as read
              </Button>
            </>
          ) : (
            <Caption1>Read</Caption1>
          )}
        </li>
      ))}
    </ul>
  );
}
