/**
 * The page Entra's consent redirect lands on, inside the consent popup. It tells the wizard the
 * outcome and closes: inside Teams through `authentication.notifySuccess/notifyFailure` (when the
 * tab's page loaded teams-js), in a browser with `postMessage` to the opener, restricted to the
 * tab's origin. Without either it stays open and tells the admin what happened.
 */
import type { ConsentOutcome } from './consent-outcomes.js';

/** Where the tab server serves teams-js's browser bundle. */
export const TEAMS_JS_PATH = '/teams-js/MicrosoftTeams.min.js';

/** Renders the callback page for an outcome; the JSON is escaped for an inline script. */
export function renderConsentPage(outcome: ConsentOutcome, tabOrigin: string): string {
  // teams-js comes from the tab's own origin (the tab server serves its build), never a CDN, so
  // the page works offline and in locked-down tenants.
  const teamsScript = `${tabOrigin}${TEAMS_JS_PATH}`;
  const payload = JSON.stringify({ type: 'cas-consent-result', ...outcome })
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  const origin = JSON.stringify(tabOrigin).replace(/</g, '\\u003c');
  const title = outcome.ok ? 'Consent granted' : 'Consent not completed';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title} – Cloud App Security</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:"Segoe UI",system-ui,sans-serif;margin:2rem;line-height:1.5;color:#242424}h1{font-size:1.25rem}</style>
</head>
<body>
<main>
<h1>${title}</h1>
<p>${escapeHtml(outcome.message)}</p>
<p>You can close this window and go back to Cloud App Security.</p>
</main>
<script src="${escapeHtml(teamsScript)}"></script>
<script>
(function () {
  var result = ${payload};
  var tabOrigin = ${origin};
  function toOpener() {
    if (!window.opener) return false;
    window.opener.postMessage(result, tabOrigin);
    window.close();
    return true;
  }
  // A browser popup opened by the tab: the opener is our own page.
  try {
    if (window.opener && window.opener.location.origin === tabOrigin) {
      toOpener();
      return;
    }
  } catch (crossOrigin) {
    // The opener is Teams (web) or another site: only teams-js may answer it.
  }
  var teams = window.microsoftTeams;
  if (!teams || !teams.app || !teams.authentication) {
    toOpener();
    return;
  }
  var timeout = new Promise(function (resolve, reject) {
    setTimeout(function () { reject(new Error('not in Teams')); }, 4000);
  });
  Promise.race([teams.app.initialize(), timeout]).then(
    function () {
      if (result.ok) teams.authentication.notifySuccess(JSON.stringify(result));
      else teams.authentication.notifyFailure(JSON.stringify(result));
    },
    function () {
      toOpener();
    },
  );
})();
</script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
