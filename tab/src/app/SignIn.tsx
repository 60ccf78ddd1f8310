/** The browser's sign-in screen, shown before msal-browser has an account. */
import {
  Body1,
  Button,
  FluentProvider,
  makeStyles,
  teamsLightTheme,
  Title2,
  tokens,
} from '@fluentui/react-components';
import { useState } from 'react';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  root: {
    minHeight: '100vh',
    display: 'grid',
    placeItems: 'center',
    backgroundColor: tokens.colorNeutralBackground2,
  },
  card: {
    display: 'grid',
    gap: tokens.spacingVerticalL,
    maxWidth: '40ch',
    padding: tokens.spacingHorizontalXXL,
  },
});

/** Props of {@link SignIn}. */
export interface SignInProps {
  /** Starts the Microsoft sign-in (a redirect). */
  readonly onSignIn: () => Promise<void>;
}

/** Sign-in screen. */
export function SignIn({ onSignIn }: SignInProps): ReactNode {
  const styles = useStyles();
  const [error, setError] = useState<string | null>(null);
  return (
    <FluentProvider theme={teamsLightTheme} className={styles.root}>
      <main className={styles.card}>
        <Title2 as="h1">Cloud App Security</Title2>
        <Body1>
          Sign in with your Microsoft 365 Global Administrator account to provision and manage protection.
        </Body1>
        <Button
          appearance="primary"
          onClick={() => void onSignIn().catch((e: unknown) => setError(String(e)))}
        >
          Sign in
        </Button>
        {error ? <Body1 role="alert">{error}</Body1> : null}
      </main>
    </FluentProvider>
  );
}
