/**
 * The consent popup in a browser: a window opened inside the click (so no popup blocker stops
 * it), sent to the consent URL once the API gave it, and the callback page's `postMessage` result
 * from our own origin — or "closed" when the admin shut the window first.
 */
import { isConsentResult, type ConsentOutcome, type ConsentWindow } from './tab-host.js';

const POPUP_FEATURES = 'popup,width=600,height=700';

/** Opens the consent window now (inside the click), navigates it once the API gave the URL. */
export function openPopupConsentWindow(): ConsentWindow {
  const popup = window.open('about:blank', 'cas-consent', POPUP_FEATURES);
  return {
    navigate(url) {
      if (!popup) return Promise.resolve<ConsentOutcome>({ kind: 'blocked' });
      // Straight to Entra, not through /consent-start.html: the tab opened this window itself, so
      // no host restricts where it starts, and the detour would only cost the admin a page load.
      popup.location.href = url;
      return new Promise<ConsentOutcome>((resolve) => {
        const onMessage = (event: MessageEvent): void => {
          if (event.origin !== window.location.origin || !isConsentResult(event.data)) return;
          finish({ kind: 'result', result: event.data });
        };
        const timer = window.setInterval(() => {
          // The callback page posts its result just before closing: give that message a moment.
          if (popup.closed) window.setTimeout(() => finish({ kind: 'closed' }), 300);
        }, 250);
        let done = false;
        function finish(outcome: ConsentOutcome): void {
          if (done) return;
          done = true;
          window.clearInterval(timer);
          window.removeEventListener('message', onMessage);
          resolve(outcome);
        }
        window.addEventListener('message', onMessage);
      });
    },
    cancel() {
      popup?.close();
    },
  };
}
