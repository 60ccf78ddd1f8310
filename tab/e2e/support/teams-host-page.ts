/**
 * A Teams-like host page for end-to-end tests: it frames the tab and answers teams-js's
 * postMessage protocol the way the Teams web client does — initialize, getContext, getAuthToken
 * (a token minted by the emulator, through `window.casMintSsoToken` exposed by the test),
 * authenticate (a real popup window), appInitialization.success and live theme changes.
 */

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
}

/** The HTML of the host page. */
export function teamsHostPage(options: TeamsHostPageOptions): string {
  const settings = JSON.stringify(options).replace(/</g, '\\u003c');
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
  var runtime = {
    apiVersion: 4,
    isLegacyTeams: false,
    hostVersionsInfo: { adaptiveCardSchemaVersion: { majorVersion: 1, minorVersion: 5 } },
    supports: { appInstallDialog: {}, authentication: {}, dialog: { card: {}, url: {} }, pages: { appButton: {}, tabs: {}, config: {}, backStack: {}, fullTrust: {} }, teams: { fullTrust: {} } }
  };
  function reply(message, args) {
    frame.contentWindow.postMessage({ id: message.id, args: args }, '*');
  }
  window.casSetTheme = function (theme) {
    frame.contentWindow.postMessage({ func: 'themeChange', args: [theme] }, '*');
  };
  window.addEventListener('message', function (event) {
    if (event.source !== frame.contentWindow) return;
    var message = event.data;
    if (!message || typeof message.func !== 'string') return;
    log.push(message.func);
    switch (message.func) {
      case 'initialize':
        reply(message, ['content', 'web', JSON.stringify(runtime), '2.58.0']);
        return;
      case 'getContext':
        reply(message, [{
          entityId: 'cas-dashboard', subEntityId: settings.subPageId || '', locale: settings.locale, theme: settings.theme,
          tid: settings.tenantId, userPrincipalName: settings.userPrincipalName, loginHint: settings.userPrincipalName,
          hostClientType: 'web', frameContext: 'content', appSessionId: 'harness-session', teamType: 0
        }]);
        return;
      case 'authentication.getAuthToken':
        window.casMintSsoToken().then(function (token) { reply(message, [true, token]); }, function (error) { reply(message, [false, String(error)]); });
        return;
      case 'authentication.authenticate': {
        var popup = window.open(message.args[0], 'teams-auth', 'width=' + (message.args[1] || 600) + ',height=' + (message.args[2] || 535));
        var done = false;
        function finish(ok, text) {
          if (done) return;
          done = true;
          window.removeEventListener('message', onResult);
          clearInterval(timer);
          reply(message, [ok, text]);
        }
        function onResult(result) {
          if (result.source !== popup || !result.data || result.data.type !== 'cas-consent-result') return;
          finish(result.data.ok, JSON.stringify(result.data));
        }
        window.addEventListener('message', onResult);
        var timer = setInterval(function () { if (!popup || popup.closed) setTimeout(function () { finish(false, 'CancelledByUser'); }, 300); }, 250);
        return;
      }
      default:
        // appInitialization.success and friends: acknowledged by being logged.
        return;
    }
  });
  frame.src = settings.contentUrl;
})();
</script>
</body></html>`;
}
