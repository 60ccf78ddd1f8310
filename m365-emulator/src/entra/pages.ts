/**
 * HTML of the emulated Entra pages: sign-in, admin consent and error. Plain server-rendered forms
 * (no script), so a browser, Playwright or an HTTP client that follows forms can drive them alike.
 */
import { escapeHtml } from './http-replies.js';

const STYLE = `body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0}
main{max-width:440px;margin:8vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.5rem;font-weight:600;margin:0 0 16px}label{display:block;margin:12px 0 4px}
input[type=email],input[type=password],input[type=text]{width:100%;padding:6px 0;border:0;border-bottom:1px solid #666;font-size:1rem}
.error{color:#e81123}.buttons{display:flex;gap:8px;justify-content:flex-end;margin-top:24px}
button{min-width:108px;padding:6px 12px;font-size:.95rem}button.primary{background:#0067b8;color:#fff;border:1px solid #0067b8}
.banner{font-size:.8rem;color:#666;margin-bottom:16px}ul{padding-left:20px}small{color:#666}
.details{font-size:.8rem;color:#444;word-break:break-all;white-space:pre-wrap}`;

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
<div class="banner">Microsoft 365 emulator (development only)</div>
${body}
</main></body></html>`;
}

/** Values of the sign-in page. */
export interface SignInPageInput {
  /** Form target (`/{tenant}/login`). */
  action: string;
  /** Interaction id carried in a hidden field. */
  ctx: string;
  /** Prefilled UPN (from `login_hint` or a failed attempt). */
  upn?: string;
  /** Error shown under the form, with its AADSTS code in `data-aadsts`. */
  error?: { code: number; text: string };
}

/** The "Sign in" page: UPN, password and a **Sign in** button posting a real form. */
export function renderSignInPage(input: SignInPageInput): string {
  const error = input.error
    ? `<p id="passwordError" class="error" role="alert" data-aadsts="${input.error.code}">${escapeHtml(input.error.text)}</p>`
    : '';
  return layout(
    'Sign in to your account',
    `<h1>Sign in</h1>
<form method="post" action="${escapeHtml(input.action)}" novalidate>
<input type="hidden" name="ctx" value="${escapeHtml(input.ctx)}">
<label for="i0116">Email, phone, or Skype</label>
<input type="email" id="i0116" name="loginfmt" autocomplete="username" value="${escapeHtml(input.upn ?? '')}" required>
<label for="i0118">Password</label>
<input type="password" id="i0118" name="passwd" autocomplete="current-password" required>
${error}
<div class="buttons"><button type="submit" id="idSIButton9" class="primary">Sign in</button></div>
</form>`,
  );
}

/** One line of the consent page. */
export interface RequestedPermission {
  /** Display name of the API the permission belongs to (the page groups by it). */
  resource: string;
  /** Application permission (app role) or delegated permission (scope). */
  kind: 'application' | 'delegated';
  displayName: string;
  description: string;
  value: string;
}

/** Values of the admin consent page. */
export interface ConsentPageInput {
  action: string;
  consentId: string;
  appName: string;
  signedInAs: string;
  permissions: readonly RequestedPermission[];
  /** Link that signs out and restarts the request, for "use another account". */
  switchAccountHref: string;
}

/** The "Permissions requested / Accept for your organization" page with **Accept** and **Cancel**. */
export function renderConsentPage(input: ConsentPageInput): string {
  // Grouped by API, as Entra's consent page lists them.
  const byResource = new Map<string, RequestedPermission[]>();
  for (const permission of input.permissions) {
    byResource.set(permission.resource, [...(byResource.get(permission.resource) ?? []), permission]);
  }
  const items = [...byResource]
    .map(
      ([resource, permissions]) =>
        `<li data-resource="${escapeHtml(resource)}"><strong>${escapeHtml(resource)}</strong> <small>(${permissions.length})</small>\n<ul>\n${permissions
          .map(
            (permission) =>
              `<li data-permission="${escapeHtml(permission.value)}" data-kind="${permission.kind}"><strong>${escapeHtml(permission.displayName)}</strong> <small>(${escapeHtml(permission.resource)}: ${escapeHtml(permission.value)}${permission.kind === 'delegated' ? ', delegated' : ''})</small><br><small>${escapeHtml(permission.description)}</small></li>`,
          )
          .join('\n')}\n</ul></li>`,
    )
    .join('\n');
  return layout(
    'Permissions requested',
    `<p>${escapeHtml(input.signedInAs)} · <a href="${escapeHtml(input.switchAccountHref)}">Use another account</a></p>
<h1>Permissions requested</h1>
<h2>Accept for your organization</h2>
<p><strong>${escapeHtml(input.appName)}</strong> <small>unverified</small></p>
<p>This app would like to:</p>
<ul>
${items}
</ul>
<p><small>If you accept, this app will get access to the specified resources for all users in your organization. No one else will be prompted to review these permissions.</small></p>
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="ctx" value="${escapeHtml(input.consentId)}">
<div class="buttons">
<button type="submit" name="decision" value="cancel" id="idBtn_Back">Cancel</button>
<button type="submit" name="decision" value="accept" id="idSIButton9" class="primary">Accept</button>
</div>
</form>`,
  );
}

/** Values of an Entra error page. */
export interface ErrorPageInput {
  title: string;
  /** Human explanation shown above the technical details. */
  explanation: string;
  code: number;
  /** `AADSTSn: message`. */
  message: string;
  traceId: string;
  correlationId: string;
  timestamp: string;
  /** Optional action link (e.g. "Have an admin account? Sign in with that account"). */
  link?: { href: string; text: string };
}

/** Entra's error page: no redirect back to the app, details for the admin to report. */
export function renderErrorPage(input: ErrorPageInput): string {
  const link = input.link
    ? `<p><a href="${escapeHtml(input.link.href)}">${escapeHtml(input.link.text)}</a></p>`
    : '';
  return layout(
    input.title,
    `<h1>${escapeHtml(input.title)}</h1>
<p>${escapeHtml(input.explanation)}</p>
${link}
<div role="alert" id="error" data-aadsts="${input.code}">
<p class="error">${escapeHtml(input.message)}</p>
<p class="details">Request Id: ${escapeHtml(input.traceId)}
Correlation Id: ${escapeHtml(input.correlationId)}
Timestamp: ${escapeHtml(input.timestamp)}
Message: ${escapeHtml(input.message)}</p>
</div>`,
  );
}

/** The page shown after sign-out when no post-logout redirect was given. */
export function renderSignedOutPage(): string {
  return layout(
    'Signed out',
    "<h1>You signed out of your account</h1><p>It's a good idea to close all browser windows.</p>",
  );
}

/** The `error_uri` help page for an AADSTS code. */
export function renderErrorHelpPage(code: string): string {
  return layout(
    `Error ${code}`,
    `<h1>AADSTS${escapeHtml(code)}</h1><p>See the emulator README for what triggers this error.</p>`,
  );
}
