/** What every screen shares: the API client, the host, the signed-in admin, navigation. */
import { createContext, useContext } from 'react';
import type { ApiClient } from './api-client.js';
import type { Route } from './routes.js';
import type { TabHost } from './tab-host.js';
import type { Me } from '@cas/contracts';

/** The shared tab state. */
export interface TabContextValue {
  readonly api: ApiClient;
  readonly host: TabHost;
  readonly locale: string;
  /** The signed-in user, or null while /api/me loads or failed. */
  readonly me: Me | null;
  navigate(route: Route): void;
  /** Asks the header to refresh the unread notification count. */
  refreshUnread(): void;
}

const TabContext = createContext<TabContextValue | null>(null);

/** Provides the shared tab state. */
export const TabContextProvider = TabContext.Provider;

/** Reads the shared tab state (only inside the app). */
export function useTab(): TabContextValue {
  const value = useContext(TabContext);
  if (value === null) throw new Error('useTab() used outside <TabContextProvider>.');
  return value;
}
