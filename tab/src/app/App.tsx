/**
 * The tab's shell: Fluent theme from the host (live), the header with navigation and the ring icon
 * (unread badge → **Notifications**), and the current screen. Screens other than the Dashboard are
 * loaded on demand so the first screen's JavaScript stays small.
 */
import {
  Button,
  CounterBadge,
  FluentProvider,
  makeStyles,
  Spinner,
  Text,
  tokens,
} from '@fluentui/react-components';
import { AlertRegular } from '@fluentui/react-icons';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { Dashboard } from '../features/dashboard/Dashboard.js';
import { AdminsOnly } from './AdminsOnly.js';
import { parseRoute, routeId, type Route } from './routes.js';
import { TabContextProvider, type TabContextValue } from './tab-context.js';
import { useFluentTheme } from './use-fluent-theme.js';
import type { ApiClient } from './api-client.js';
import type { TabHost, ThemeName } from './tab-host.js';
import type { Me } from '@cas/contracts';
import type { ReactNode } from 'react';

const ProvisionWizard = lazy(() =>
  import('../features/wizard/ProvisionWizard.js').then((m) => ({ default: m.ProvisionWizard })),
);
const Notifications = lazy(() =>
  import('../features/notifications/Notifications.js').then((m) => ({ default: m.Notifications })),
);
const ExtendProtection = lazy(() =>
  import('../features/notifications/ExtendProtection.js').then((m) => ({ default: m.ExtendProtection })),
);
const ServiceAccount = lazy(() =>
  import('../features/service-account/ServiceAccount.js').then((m) => ({ default: m.ServiceAccount })),
);
const Policies = lazy(() =>
  import('../features/policies/Policies.js').then((m) => ({ default: m.Policies })),
);

const useStyles = makeStyles({
  root: {
    minHeight: '100vh',
    backgroundColor: tokens.colorNeutralBackground2,
    color: tokens.colorNeutralForeground1,
  },
  header: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalM,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalXL}`,
    backgroundColor: tokens.colorNeutralBackground1,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    flexWrap: 'wrap',
  },
  product: { fontWeight: tokens.fontWeightSemibold, marginRight: tokens.spacingHorizontalL },
  nav: { display: 'flex', gap: tokens.spacingHorizontalXS, flexGrow: 1, flexWrap: 'wrap' },
  ring: { position: 'relative' },
  badge: { position: 'absolute', top: '-2px', right: '-4px', pointerEvents: 'none' },
  main: { padding: tokens.spacingHorizontalXL, maxWidth: '1200px' },
});

/** Props of {@link App}. */
export interface AppProps {
  readonly host: TabHost;
  readonly api: ApiClient;
}

/** The tab application. */
export function App({ host, api }: AppProps): ReactNode {
  const styles = useStyles();
  const [theme, setTheme] = useState<ThemeName>(host.theme());
  const applied = useFluentTheme(theme);
  const [route, setRoute] = useState<Route>(() => parseRoute(host.pageId));
  const [me, setMe] = useState<Me | null>(null);
  const [meAnswered, setMeAnswered] = useState(false);
  const [unread, setUnread] = useState(0);
  // Only admins and readers may open the views (R15); everyone else gets one page saying so. When
  // /api/me itself failed, the screens run and show their own errors.
  const mayView = meAnswered && (me === null || me.access !== 'none');

  useEffect(() => host.onThemeChange(setTheme), [host]);
  useEffect(() => {
    void api.me().then((result) => {
      setMe(result.ok ? result.value : null);
      setMeAnswered(true);
    });
  }, [api]);
  const refreshUnread = useCallback(() => {
    if (!mayView) return;
    void api.notifications().then((result) => {
      if (result.ok) setUnread(result.value.unread);
    });
  }, [api, mayView]);
  useEffect(refreshUnread, [refreshUnread, route]);
  useEffect(() => {
    host.notifyLoaded();
  }, [host]);

  const navigate = useCallback(
    (next: Route) => {
      setRoute(next);
      if (host.kind === 'browser') window.history.pushState(null, '', `#/${routeId(next)}`);
    },
    [host],
  );
  useEffect(() => {
    const onPop = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const context = useMemo<TabContextValue>(
    () => ({ api, host, locale: host.locale, me, navigate, refreshUnread }),
    [api, host, me, navigate, refreshUnread],
  );
  const navItems: { label: string; route: Route; current: boolean }[] = [
    {
      label: 'Dashboard',
      route: { page: 'dashboard' },
      current: route.page === 'dashboard' || route.page === 'provision',
    },
    { label: 'Policies', route: { page: 'policies', service: null }, current: route.page === 'policies' },
    {
      label: 'Administration > Service Account',
      route: { page: 'serviceAccount' },
      current: route.page === 'serviceAccount',
    },
  ];
  return (
    <FluentProvider theme={applied.theme} className={styles.root} data-theme={applied.name}>
      <TabContextProvider value={context}>
        <header className={styles.header}>
          <Text className={styles.product}>Cloud App Security</Text>
          {mayView ? (
            <nav aria-label="Main" className={styles.nav}>
              {navItems.map((item) => (
                <Button
                  key={item.label}
                  appearance={item.current ? 'secondary' : 'subtle'}
                  aria-current={item.current ? 'page' : undefined}
                  onClick={() => navigate(item.route)}
                >
                  {item.label}
                </Button>
              ))}
            </nav>
          ) : null}
          {me ? <Text size={200}>{me.displayName}</Text> : null}
          {mayView ? (
            <span className={styles.ring}>
              <Button
                appearance="subtle"
                icon={<AlertRegular />}
                aria-label={`Notifications, ${unread} unread`}
                aria-current={route.page === 'notifications' ? 'page' : undefined}
                title="Notifications"
                onClick={() => navigate({ page: 'notifications' })}
              />
              {unread > 0 ? (
                <CounterBadge
                  className={styles.badge}
                  count={unread}
                  size="small"
                  color="danger"
                  aria-hidden
                />
              ) : null}
            </span>
          ) : null}
        </header>
        <main className={styles.main}>
          {!meAnswered ? (
            <Spinner label="Signing you in…" />
          ) : me !== null && !mayView ? (
            <AdminsOnly me={me} />
          ) : (
            <Suspense fallback={<Spinner label="Loading…" />}>
              <Screen route={route} />
            </Suspense>
          )}
        </main>
      </TabContextProvider>
    </FluentProvider>
  );
}

function Screen({ route }: { route: Route }): ReactNode {
  switch (route.page) {
    case 'dashboard':
      return <Dashboard />;
    case 'provision':
      return <ProvisionWizard key={route.service} service={route.service} />;
    case 'notifications':
      return <Notifications />;
    case 'extend':
      return <ExtendProtection />;
    case 'serviceAccount':
      return <ServiceAccount />;
    case 'policies':
      return <Policies service={route.service} />;
  }
}
