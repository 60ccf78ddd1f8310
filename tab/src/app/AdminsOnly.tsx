/**
 * What a signed-in user without an admin role sees: the read views show protected mailboxes,
 * admin names and outage state, so the API refuses them (R15) — and the tab says why in one page
 * instead of a dashboard of errors.
 */
import { Body1, makeStyles, tokens } from '@fluentui/react-components';
import { PageHeading } from './PageHeading.js';
import type { Me } from '@cas/contracts';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  root: { display: 'grid', gap: tokens.spacingVerticalM, maxWidth: '60ch' },
});

/** Props of {@link AdminsOnly}. */
export interface AdminsOnlyProps {
  /** The signed-in user, as `/api/me` describes them. */
  readonly me: Me;
}

/** The page for a signed-in user who may not see Cloud App Security's views. */
export function AdminsOnly({ me }: AdminsOnlyProps): ReactNode {
  const styles = useStyles();
  return (
    <section className={styles.root}>
      <PageHeading>Cloud App Security is for administrators</PageHeading>
      <Body1>
        You are signed in as {me.userPrincipalName || me.displayName}. Your organization&apos;s protection
        settings are shown only to its Global Administrators, Global Readers and Security Readers.
      </Body1>
      {me.rolesKnown ? (
        <Body1>
          If you need to see them, ask a Global Administrator of your organization for one of these roles.
        </Body1>
      ) : (
        <Body1>
          Cloud App Security could not check your directory roles right now. Try again in a minute; if this
          stays, ask a Global Administrator of your organization to contact Cloud App Security support.
        </Body1>
      )}
    </section>
  );
}
