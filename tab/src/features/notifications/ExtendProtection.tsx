/**
 * **Extend to protect all your Office 365 service targets.** (R11): the instructions and
 * **Submit**, which switches all three services to all users and groups.
 */
import { EXTEND_OFFER_TEXT, MANUAL_SYNC_ALL_TARGETS_LABEL } from '@cas/core';
import {
  Body1,
  Button,
  Link,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
} from '@fluentui/react-components';
import { useState } from 'react';
import { PageHeading } from '../../app/PageHeading.js';
import { useTab } from '../../app/tab-context.js';
import { useNotificationsStyles } from './useNotificationsStyles.styles.js';
import type { ReactNode } from 'react';

/** The Extend screen. */
export function ExtendProtection(): ReactNode {
  const { api, navigate, refreshUnread, me } = useTab();
  const styles = useNotificationsStyles();
  const [state, setState] = useState<
    | { status: 'idle' }
    | { status: 'saving' }
    | { status: 'done'; message: string | null }
    | { status: 'error'; message: string }
  >({ status: 'idle' });
  const submit = async (): Promise<void> => {
    setState({ status: 'saving' });
    const result = await api.extend();
    if (result.ok) {
      // The API's words for what changed: the notification Extend raised.
      setState({ status: 'done', message: result.value.message });
      refreshUnread();
    } else {
      setState({ status: 'error', message: result.error.message });
    }
  };
  return (
    <section aria-labelledby="extend-title">
      <PageHeading>
        <span id="extend-title">{EXTEND_OFFER_TEXT}</span>
      </PageHeading>
      <div className={styles.instructions}>
        <Body1>
          Cloud App Security now protects only the users you selected. Click Submit to synchronize all users
          and groups for Exchange Online, SharePoint Online, and OneDrive: all three services use the same
          option.
        </Body1>
        <Body1>
          Then go to Advanced Threat Protection or Data Loss Prevention, open an ATP or DLP policy of each
          service you want to extend the protection to, select the General tab and click{' '}
          {MANUAL_SYNC_ALL_TARGETS_LABEL}. You can also wait until the next day: Cloud App Security
          automatically synchronizes with your Office 365 environment once per day.
        </Body1>
      </div>
      {state.status === 'done' ? (
        <MessageBar intent="success" role="status">
          <MessageBarBody>
            <MessageBarTitle>All targets protected</MessageBarTitle>
            {state.message === null ? null : `${state.message} `}
            <Link as="button" onClick={() => navigate({ page: 'policies', service: null })}>
              Go to Policies
            </Link>
          </MessageBarBody>
        </MessageBar>
      ) : null}
      {state.status === 'error' ? (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>{state.message}</MessageBarBody>
        </MessageBar>
      ) : null}
      <div className={styles.actions}>
        <Button
          appearance="primary"
          disabled={
            state.status === 'saving' || state.status === 'done' || me?.isGlobalAdministrator !== true
          }
          onClick={() => void submit()}
        >
          Submit
        </Button>
        {state.status === 'saving' ? <Spinner size="tiny" label="Extending…" /> : null}
        <Button onClick={() => navigate({ page: 'notifications' })}>Back to Notifications</Button>
      </div>
    </section>
  );
}
