/**
 * A minimal "browser" for contract tests: keeps cookies, follows redirects on the emulator's origin,
 * reads the emulator's HTML forms and submits them with the chosen button, and stops at the first
 * redirect that leaves the emulator (the app's callback), which it reports instead of fetching.
 */

/** A page the browser landed on, or the callback it was sent to. */
export interface BrowserResult {
  /** URL of the last emulator page fetched. */
  url: string;
  status: number;
  html: string;
  /** The off-emulator redirect target (e.g. the consent callback), when the flow left the emulator. */
  callback?: URL;
}

/** A `<form>` of a page. */
export interface ParsedForm {
  action: string;
  method: string;
  fields: [string, string][];
  buttons: { name?: string; value?: string; text: string }[];
}

/** Cookie-keeping, form-following HTTP client bound to one emulator origin. */
export class FormBrowser {
  readonly #origin: string;
  readonly #cookies = new Map<string, string>();

  constructor(origin: string) {
    this.#origin = origin;
  }

  /** Opens a URL and follows redirects while they stay on the emulator. */
  async open(url: string): Promise<BrowserResult> {
    return this.#follow(url, { method: 'GET' });
  }

  /** Fills `fields` into the page's form and submits it with the button whose text is `button`. */
  async submit(
    page: BrowserResult,
    fields: Record<string, string> = {},
    button?: string,
  ): Promise<BrowserResult> {
    const form = parseForms(page.html)[0];
    if (!form) throw new Error(`No form on ${page.url}:\n${page.html.slice(0, 500)}`);
    const data = new URLSearchParams();
    for (const [name, value] of form.fields) data.append(name, fields[name] ?? value);
    for (const [name, value] of Object.entries(fields))
      if (!form.fields.some(([field]) => field === name)) data.append(name, value);
    const chosen = button ? form.buttons.find((candidate) => candidate.text === button) : form.buttons[0];
    if (button && !chosen) throw new Error(`No button "${button}" on ${page.url}.`);
    if (chosen?.name) data.append(chosen.name, chosen.value ?? '');
    return this.#follow(new URL(form.action, page.url).toString(), {
      method: form.method.toUpperCase(),
      body: data.toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
  }

  /** Drops every cookie (a fresh browser profile). */
  clearCookies(): void {
    this.#cookies.clear();
  }

  async #follow(
    start: string,
    init: { method: string; body?: string; headers?: Record<string, string> },
  ): Promise<BrowserResult> {
    let url = start;
    let request = init;
    for (let hop = 0; hop < 10; hop++) {
      const response = await fetch(url, {
        method: request.method,
        body: request.body,
        redirect: 'manual',
        headers: {
          ...request.headers,
          Cookie: [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        },
      });
      for (const header of response.headers.getSetCookie()) this.#storeCookie(header);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, url);
        if (next.origin !== this.#origin)
          return { url, status: response.status, html: await response.text(), callback: next };
        url = next.toString();
        request = { method: 'GET' };
        continue;
      }
      return { url, status: response.status, html: await response.text() };
    }
    throw new Error(`Too many redirects from ${start}.`);
  }

  #storeCookie(header: string): void {
    const [pair = '', ...attributes] = header.split(';');
    const index = pair.indexOf('=');
    if (index < 0) return;
    const name = pair.slice(0, index).trim();
    const value = pair.slice(index + 1).trim();
    const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
    if (expired || value === '') this.#cookies.delete(name);
    else this.#cookies.set(name, value);
  }
}

/** Extracts forms, their fields and submit buttons from simple server-rendered HTML. */
export function parseForms(html: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attributes = match[1] ?? '';
    const inner = match[2] ?? '';
    const fields: [string, string][] = [];
    for (const input of inner.matchAll(/<input\b([^>]*)>/gi)) {
      const name = attribute(input[1] ?? '', 'name');
      if (name) fields.push([name, attribute(input[1] ?? '', 'value') ?? '']);
    }
    const buttons = [...inner.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)].map((button) => ({
      name: attribute(button[1] ?? '', 'name'),
      value: attribute(button[1] ?? '', 'value'),
      text: decodeEntities((button[2] ?? '').replace(/<[^>]+>/g, '').trim()),
    }));
    forms.push({
      action: attribute(attributes, 'action') ?? '',
      method: attribute(attributes, 'method') ?? 'get',
      fields,
      buttons,
    });
  }
  return forms;
}

/** The text content of an HTML page (tags dropped, entities decoded), for assertions. */
export function pageText(html: string): string {
  return decodeEntities(html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' ')).replace(
    /\s+/g,
    ' ',
  );
}

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(attributes);
  return match ? decodeEntities(match[1] ?? '') : undefined;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
