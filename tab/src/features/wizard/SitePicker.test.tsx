// @vitest-environment jsdom
/**
 * SharePoint Online's Selected Targets (issue 17): a pasted site collection URL is verified by the
 * API on Enter or Add and joins Selected Targets with its name; refusals show the API's message at
 * the field, which keeps its text; at most 100, duplicates ignored, the arrow removes.
 */
import { addSiteTarget, MAX_SELECTED_SITES, parseSiteCollectionUrl, type SiteTarget } from '@cas/core';
import { screen, waitFor, within } from '@testing-library/react';
import axe from 'axe-core';
import { describe, expect, it } from 'vitest';
import { apiError } from '../../test-support/http-stub.js';
import { renderTab } from '../../test-support/render-tab.js';
import { SitePicker } from './SitePicker.js';
import { useSitePicker } from './useSitePicker.js';
import type { StubReply, StubRoute } from '../../test-support/http-stub.js';
import type { ReactNode } from 'react';

function site(name: string, index = 1): SiteTarget {
  const id = String(index).padStart(12, '0');
  return {
    siteId: `contoso.sharepoint.com,00000000-0000-4000-8000-${id},10000000-0000-4000-8000-${id}`,
    webUrl: `https://contoso.sharepoint.com/sites/${name}`,
    displayName: `${name} site`,
  };
}

const MARKETING = site('Marketing', 1);
const SALES = site('Sales', 2);
const NOT_FOUND = 'No site collection exists at https://contoso.sharepoint.com/sites/Nowhere in your tenant.';

const ROUTES: Record<string, StubRoute> = {
  'GET /api/targets/sites': (request): StubReply => {
    const url = request.query.get('url') ?? '';
    const known = [MARKETING, SALES].find((each) => url.toLowerCase().startsWith(each.webUrl.toLowerCase()));
    return known ? { body: { site: known } } : apiError(404, 'site_not_found', NOT_FOUND);
  },
};

function Picker({ initial }: { initial: readonly SiteTarget[] }): ReactNode {
  return <SitePicker picker={useSitePicker(initial)} />;
}

function renderPicker(initial: readonly SiteTarget[] = [], routes: Record<string, StubRoute> = ROUTES) {
  return renderTab(<Picker initial={initial} />, { routes });
}

const field = () => screen.getByRole('textbox', { name: 'Site collection URL' }) as HTMLInputElement;
const selectedList = () => screen.getByRole('list', { name: 'Selected Targets' });
const counter = (count: number) =>
  screen.getByText(`${count} of ${MAX_SELECTED_SITES} site collections selected`);
const verification = () => screen.getByRole('status', { name: 'Site verification' });

describe('adding a site collection', () => {
  it('Enter verifies the pasted URL and adds the site with its name and URL', async () => {
    const { user, http } = renderPicker();
    expect(counter(0)).toBeTruthy();
    await user.type(field(), `${MARKETING.webUrl}/SitePages/Home.aspx{Enter}`);
    await waitFor(() => expect(counter(1)).toBeTruthy());
    const row = within(selectedList()).getByRole('checkbox');
    expect(row.closest('li')?.textContent).toBe(`${MARKETING.displayName} ${MARKETING.webUrl}`);
    expect(http.requestsTo('GET /api/targets/sites').map((request) => request.query.get('url'))).toEqual([
      `${MARKETING.webUrl}/SitePages/Home.aspx`,
    ]);
    expect(field().value).toBe('');
    expect(verification().textContent).toBe(`Added ${MARKETING.displayName} (${MARKETING.webUrl}).`);
    expect(document.activeElement).toBe(field());
  });

  it('Add does the same, and the focus goes back to the field for the next URL', async () => {
    const { user } = renderPicker();
    await user.type(field(), SALES.webUrl);
    await user.click(screen.getByRole('button', { name: 'Add' }));
    await waitFor(() => expect(counter(1)).toBeTruthy());
    expect(within(selectedList()).getByText(SALES.displayName)).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(field()));
  });

  it('shows that the URL is being verified, and verifies it once however often Enter is pressed', async () => {
    let answer: (reply: StubReply) => void = () => undefined;
    const { user, http } = renderPicker([], {
      'GET /api/targets/sites': () =>
        new Promise<StubReply>((resolve) => {
          answer = resolve;
        }),
    });
    await user.type(field(), `${MARKETING.webUrl}{Enter}`);
    expect(await screen.findByText('Verifying the site…')).toBeTruthy();
    expect(field().readOnly).toBe(true);
    await user.keyboard('{Enter}');
    answer({ body: { site: MARKETING } });
    await waitFor(() => expect(counter(1)).toBeTruthy());
    expect(screen.queryByText('Verifying the site…')).toBeNull();
    expect(http.requestsTo('GET /api/targets/sites')).toHaveLength(1);
  });
});

describe('refusals', () => {
  it("an unknown site shows the API's message at the field, which keeps its text", async () => {
    const { user } = renderPicker();
    const unknown = 'https://contoso.sharepoint.com/sites/Nowhere';
    await user.type(field(), `${unknown}{Enter}`);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(NOT_FOUND);
    expect(field().value).toBe(unknown);
    expect(field().getAttribute('aria-invalid')).toBe('true');
    expect(field().getAttribute('aria-describedby')).toContain(alert.id);
    expect(counter(0)).toBeTruthy();
    expect(document.activeElement).toBe(field());
  });

  it("a URL the API refuses as malformed shows the API's own words", async () => {
    const message = 'contoso.sharepoint.com/sites/x is refused for a reason only the API knows.';
    const { user } = renderPicker([], {
      'GET /api/targets/sites': apiError(400, 'site_url_invalid_path', message),
    });
    await user.type(field(), 'https://contoso.sharepoint.com/sites/x{Enter}');
    expect((await screen.findByRole('alert')).textContent).toBe(message);
  });

  it.each([
    ['not a URL', 'marketing'],
    ['a OneDrive address', 'https://contoso-my.sharepoint.com/personal/adele_contoso_com'],
    ['not SharePoint', 'https://contoso.example.com/sites/Marketing'],
  ])('%s is refused with its reason without asking the API', async (_, text) => {
    const { user, http } = renderPicker();
    await user.type(field(), `${text}{Enter}`);
    const parsed = parseSiteCollectionUrl(text);
    if (parsed.ok) throw new Error('expected core to refuse it');
    expect((await screen.findByRole('alert')).textContent).toBe(parsed.error.message);
    expect(field().value).toBe(text);
    expect(http.requestsTo('GET /api/targets/sites')).toEqual([]);
  });

  it('a site already selected is ignored with a quiet note', async () => {
    const { user } = renderPicker([MARKETING]);
    await user.type(field(), `${MARKETING.webUrl}/{Enter}`);
    await waitFor(() =>
      expect(verification().textContent).toBe(`${MARKETING.displayName} is already in Selected Targets.`),
    );
    expect(counter(1)).toBeTruthy();
    expect(within(selectedList()).getAllByRole('checkbox')).toHaveLength(1);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('the 101st site collection is refused with the limit, and nothing is added', async () => {
    const hundred = Array.from({ length: MAX_SELECTED_SITES }, (_, index) =>
      site(`Team${index}`, 100 + index),
    );
    const { user } = renderPicker(hundred);
    expect(counter(100)).toBeTruthy();
    await user.type(field(), `${SALES.webUrl}{Enter}`);
    const limit = addSiteTarget(hundred, SALES);
    if (limit.ok) throw new Error('expected core to refuse the 101st');
    expect((await screen.findByRole('alert')).textContent).toBe(limit.error.message);
    expect(counter(100)).toBeTruthy();
    expect(within(selectedList()).queryByText(SALES.displayName)).toBeNull();
    expect(field().value).toBe(SALES.webUrl);
  });
});

describe('removing', () => {
  it('the arrow removes the checked site collections and keeps the others', async () => {
    const { user } = renderPicker([MARKETING, SALES]);
    const remove = screen.getByRole('button', {
      name: 'Remove the selected site collections from Selected Targets',
    });
    await user.click(remove);
    expect(screen.getByText('Select site collections in Selected Targets first.')).toBeTruthy();
    await user.click(within(selectedList()).getByRole('checkbox', { name: /Marketing site/ }));
    await user.click(remove);
    expect(counter(1)).toBeTruthy();
    expect(within(selectedList()).queryByText(MARKETING.displayName)).toBeNull();
    expect(within(selectedList()).getByText(SALES.displayName)).toBeTruthy();
  });
});

describe('accessibility', () => {
  it('has no axe violations with sites selected and a refusal shown', async () => {
    const { user, container } = renderPicker([MARKETING]);
    await user.type(field(), 'https://contoso.sharepoint.com/sites/Nowhere{Enter}');
    await screen.findByRole('alert');
    const results = await axe.run(container, {
      // jsdom does not lay out or paint: contrast is checked in the browser (e2e/browser-wizard).
      rules: { 'color-contrast': { enabled: false } },
      resultTypes: ['violations'],
    });
    expect(results.violations.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([]);
  });
});
