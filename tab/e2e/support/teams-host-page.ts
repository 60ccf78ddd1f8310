/**
 * A Teams-like host page for end-to-end tests: it frames the tab and answers teams-js's
 * postMessage protocol the way the Teams web client does — initialize, getContext, getAuthToken
 * (a token minted by the emulator, through `window.casMintSsoToken` exposed by the test),
 * authenticate, appInitialization.success and live theme changes.
 *
 * `authenticate` opens a real popup window, as Teams does — and, like Teams, only when the start
 * URL is on one of the manifest's `validDomains` (default: the tab's host, as our manifest's
 * `${{TAB_DOMAIN}}`); any other start URL is refused at once (`window.casAuthenticateUrls` keeps
 * every start URL asked for). The consent callback page in it loads
 * teams-js from the tab's origin; because this host page lives on another origin (the test serves
 * it as https://teams.microsoft.com), the popup cannot post to its opener directly and talks
 * teams-js instead: `initialize` (answered with the `authentication` frame context), then
 * `authentication.authenticate.success` or `.failure`, whose JSON is handed back to the tab as
 * the result of its `authenticate` call. Every message is logged in `window.casHostLog`.
 */

/** Where the test serves the host page (routed by Playwright; nothing leaves the machine). */
export const TEAMS_HOST_URL = 'https://teams.microsoft.com/_harness/cas-tab.html';

/** Options of the host page. */
export interface TeamsHostPageOptions {
  /** URL of the tab's content page. */
  readonly contentUrl: string;
  readonly tenantId: string;
  readonly userPrincipalName: string;
  readonly theme: 'default' | 'dark' | 'contrast';
  readonly locale: string;
  /** Deep-link page id (subEntityId) from a bot card. */
  readonly subPageId?: string;
  /** The manifest's `validDomains` (host names, or host:port); default the content URL's host. */
  readonly validDomains?: readonly string[];
}

/** The HTML of the host page. */
export function teamsHostPage(options: TeamsHostPageOptions): string {
  const settings = JSON.stringify({
    ...options,
    validDomains: options.validDomains ?? [new URL(options.contentUrl).host],
  }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Teams-like host</title>
<style>html,body{margin:0;height:100%}iframe{border:0;width:100%;height:100%}</style></head>
<body>
<iframe id="tab" title="Cloud App Security tab"></iframe>
<script>
(function () {
  var settings = ${settings};
  var frame = document.getElementById('tab');
  var log = (window.casHostLog = []);
  var authenticateUrls = (window.casAuthenticateUrls = []);
  // Teams opens an authentication window only on a domain the app's manifest lists.
  function onValidDomain(url) {
    try {
      var parsed = new URL(url);
      return parsed.protocol === 'https:' && settings.validDomains.some(function (domain) {
        return domain === parsed.host || domain === parsed.hostname;
      });
    } catch (error) {
      return false;
    }
  }
  var runtime = {
    apiVersion: 4,
    isLegacyTeams: false,
    hostVersionsInfo: { adaptiveCardSchemaVersion: { majorVersion: 1, minorVersion: 5 } },
    supports: { appInstallDialog: {}, authentication: {}, dialog: { card: {}, url: {} }, pages: { appButton: {}, tabs: {}, config: {}, backStack: {}, fullTrust: {} }, teams: { fullTrust: {} } }
  };
  // The tab's pending authentication.authenticate call and the popup it opened.
  var auth = null;
  function replyTo(target, message, args) {
    target.postMessage({ id: message.id, args: args }, '*');
  }
  window.casSetTheme = function (theme) {
    frame.contentWindow.postMessage({ func: 'themeChange', args: [theme] }, '*');
  };
  function finishAuthentication(ok, text) {
    if (!auth || auth.done) return;
    auth.done = true;
    clearInterval(auth.timer);
    replyTo(frame.contentWindow, auth.message, [ok, text]);
  }
  function fromPopup(message) {
    log.push('popup:' + message.func);
    switch (message.func) {
      case 'initialize':
        replyTo(auth.popup, message, ['authentication', 'web', JSON.stringify(runtime), '2.58.0']);
        return;
      case 'authentication.authenticate.success':
        finishAuthentication(true, message.args[0]);
        return;
      case 'authentication.authenticate.failure':
        finishAuthentication(false, message.args[0]);
        return;
      default:
        return;
    }
  }
  function fromTab(message) {
    log.push(message.func);
    switch (message.func) {
      case 'initialize':
        replyTo(frame.contentWindow, message, ['content', 'web', JSON.stringify(runtime), '2.58.0']);
        return;
      case 'getContext':
        replyTo(frame.contentWindow, message, [{
          entityId: 'cas-dashboard', subEntityId: settings.subPageId || '', locale: settings.locale, theme: settings.theme,
          tid: settings.tenantId, userPrincipalName: settings.userPrincipalName, loginHint: settings.userPrincipalName,
          hostClientType: 'web', frameContext: 'content', appSessionId: 'harness-session', teamType: 0
        }]);
        return;
      case 'authentication.getAuthToken':
        window.casMintSsoToken().then(function (token) { replyTo(frame.contentWindow, message, [true, token]); }, function (error) { replyTo(frame.contentWindow, message, [false, String(error)]); });
        return;
      case 'authentication.authenticate': {
        authenticateUrls.push(message.args[0]);
        if (!onValidDomain(message.args[0])) {
          log.push('authentication.authenticate:refused');
          replyTo(frame.contentWindow, message, [false, 'The authentication URL is not on a domain of the app manifest validDomains.']);
          return;
        }
        var popup = window.open(message.args[0], 'teams-auth', 'width=' + (message.args[1] || 600) + ',height=' + (message.args[2] || 535));
        auth = { message: message, popup: popup, done: false, timer: 0 };
        var current = auth;
        // Teams reports a popup closed without a result as CancelledByUser.
        current.timer = setInterval(function () {
          if (!popup || popup.closed) {
            clearInterval(current.timer);
            setTimeout(function () { if (auth === current) finishAuthentication(false, 'CancelledByUser'); }, 300);
          }
        }, 250);
        return;
      }
      default:
        // appInitialization.success and friends: acknowledged by being logged.
        return;
    }
  }
  window.addEventListener('message', function (event) {
    var message = event.data;
    if (!message || typeof message.func !== 'string') return;
    if (event.source === frame.contentWindow) fromTab(message);
    else if (auth && event.source === auth.popup) fromPopup(message);
  });
  frame.src = settings.contentUrl;
})();
</script>
</body></html>`;
}
