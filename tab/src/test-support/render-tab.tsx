/**
 * Renders a piece of the tab as the app does — Fluent provider and the shared tab context with a
 * real API client — over a stubbed `fetch` (the HTTP boundary). The host is a browser host whose
 * consent popups are the real browser popup flow; tests replace `window.open` with
 * {@link stubConsentPopups} to play the callback page.
 */
import { FluentProvider, teamsLightTheme } from '@fluentui/react-components';
import { render, renderHook, type RenderHookResult, type RenderResult } from '@testing-library/react';
import { userEvent, type UserEvent } from '@testing-library/user-event';
import { vi } from 'vitest';
import { createApiClient, type ApiClient } from '../app/api-client.js';
import { openPopupConsentWindow } from '../app/popup-consent-window.js';
import { TabContextProvider, type TabContextValue } from '../app/tab-context.js';
import './dom-environment.js';
import { meFixture } from './fixtures.js';
import { createHttpStub, type HttpStub, type StubRoute } from './http-stub.js';
import type { Route } from '../app/routes.js';
import type { TabHost } from '../app/tab-host.js';
import type { ConsentResult, Me } from '@cas/contracts';
import type { ReactNode } from 'react';

/** Options of {@link renderTab}. */
export interface RenderTabOptions {
  /** Stubbed API routes (`METHOD /path` → reply). */
  readonly routes?: Record<string, StubRoute>;
  /** The signed-in user; default a Global Administrator, null while unknown. */
  readonly me?: Me | null;
  readonly locale?: string;
}

/** What a rendered tab piece offers to a test. */
export interface RenderedTab extends RenderResult {
  readonly http: HttpStub;
  readonly api: ApiClient;
  readonly user: UserEvent;
  /** Every `navigate()` call, in order. */
  readonly navigations: Route[];
  /** How many times the header was asked to refresh the unread count. */
  unreadRefreshes(): number;
}

/** A browser host for tests (no msal: the token is a constant). */
export function testHost(overrides: Partial<TabHost> = {}): TabHost {
  return {
    kind: 'browser',
    locale: 'en-US',
    pageId: null,
    userPrincipalName: 'admin@contoso.onmicrosoft.com',
    theme: () => 'light',
    onThemeChange: () => () => undefined,
    getToken: async () => 'test-token',
    openConsentWindow: openPopupConsentWindow,
    notifyLoaded: () => undefined,
    ...overrides,
  };
}

/** The providers of the tab around a test, and what a test inspects afterwards. */
function tabProviders(options: RenderTabOptions) {
  const http = createHttpStub(options.routes);
  const api = createApiClient({ getToken: async () => 'test-token', fetch: http.fetch });
  const locale = options.locale ?? 'en-US';
  const navigations: Route[] = [];
  let refreshes = 0;
  const value: TabContextValue = {
    api,
    host: testHost({ locale }),
    locale,
    me: options.me === undefined ? meFixture() : options.me,
    navigate: (route) => navigations.push(route),
    refreshUnread: () => {
      refreshes += 1;
    },
  };
  const wrapper = ({ children }: { children: ReactNode }): ReactNode => (
    <FluentProvider theme={teamsLightTheme}>
      <TabContextProvider value={value}>{children}</TabContextProvider>
    </FluentProvider>
  );
  return { http, api, navigations, wrapper, unreadRefreshes: () => refreshes };
}

/** Renders `ui` inside the tab's providers. */
export function renderTab(ui: ReactNode, options: RenderTabOptions = {}): RenderedTab {
  const { wrapper, ...rest } = tabProviders(options);
  const user = userEvent.setup();
  const result: RenderResult = render(ui, { wrapper });
  return { ...result, ...rest, user };
}

/** Runs a hook inside the tab's providers. */
export function renderTabHook<T>(
  hook: () => T,
  options: RenderTabOptions = {},
): RenderHookResult<T, unknown> & { readonly http: HttpStub; readonly navigations: Route[] } {
  const { wrapper, http, navigations } = tabProviders(options);
  return { ...renderHook(hook, { wrapper }), http, navigations };
}

/** A consent popup the test plays: where the tab sent it, and the callback page's answers. */
export interface StubPopup {
  /** The URL the tab navigated the popup to ('about:blank' until then). */
  readonly url: string;
  readonly closed: boolean;
  /** Posts the callback page's result to the tab, from our origin, as the real page does. */
  answer(result: Omit<ConsentResult, 'type'>): void;
  /** The admin closes the window without finishing. */
  close(): void;
}

/** Replaces `window.open` (the browser's popup) for this test; returns the popups opened so far. */
export function stubConsentPopups(options: { blocked?: boolean } = {}): StubPopup[] {
  const popups: StubPopup[] = [];
  vi.spyOn(window, 'open').mockImplementation(() => {
    if (options.blocked) return null;
    const state = { closed: false, location: { href: 'about:blank' } };
    const popup: StubPopup = {
      get url() {
        return state.location.href;
      },
      get closed() {
        return state.closed;
      },
      answer(result) {
        window.dispatchEvent(
          new MessageEvent('message', {
            origin: window.location.origin,
            data: { type: 'cas-consent-result', ...result },
          }),
        );
        state.closed = true;
      },
      close() {
        state.closed = true;
      },
    };
    popups.push(popup);
    return Object.assign(state, { close: () => popup.close() }) as unknown as Window;
  });
  return popups;
}
