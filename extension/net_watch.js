// The browser's own network errors for the requests of one check (the background's):
// webRequest.onErrorOccurred (non-blocking; the `webRequest` permission and the host grant),
// as crates/ui/src/services/net_errors.js does for "Test connection". A fetch rejects with
// one TypeError whether the certificate is not trusted or nothing listens; the event names
// which (net::ERR_CERT_AUTHORITY_INVALID, net::ERR_CONNECTION_REFUSED, Firefox's
// NS_ERROR_* or NSS message). The package's `classifyNetworkError` reads the strings.
//
// One watcher per check, listening for the check's origins only (the instance's and its
// replicas'), removed when the check is over: several instances checked at once each
// have their own, keyed by origin.

const api = () => globalThis.browser ?? globalThis.chrome;

// Errors that say only that the request was cancelled (the package's own timeout aborts
// it — its report says so itself, see snapshot.js timedOutMs): kept only when nothing
// better came for the origin.
const CANCELLED = /ERR_ABORTED|NS_BINDING_ABORTED/;

/**
 * The origins (`scheme://host[:port]`) a check of `instance` sends requests to: its own
 * and its replicas' (a URL, or the `url` of a `{ label, url }` replica).
 */
export function checkOrigins(instance) {
  const out = new Set();
  const replicas = (instance.replicas || []).map((r) => (r && typeof r === 'object' ? r.url : r));
  for (const text of [instance.origin, ...replicas]) {
    try {
      out.add(new URL(String(text).trim()).origin);
    } catch {
      // not a URL: the package refuses it, and no request goes there
    }
  }
  return [...out];
}

/**
 * Listen for the errors of requests to `origins` until `stop()`. Resolves to a watcher,
 * or null when there is no webRequest here (no permission, another browser).
 */
export async function watchNetErrors(origins) {
  const event = api()?.webRequest?.onErrorOccurred;
  if (!event || !origins.length) return null;
  const wanted = new Set(origins);
  // Firefox's match patterns take no port (one with a port matches nothing there);
  // Chromium's portless pattern matches every port. The origin is compared below.
  const patterns = [...new Set(origins.map((o) => {
    const u = new URL(o);
    return `${u.protocol}//${u.hostname}/*`;
  }))];
  const seen = new Map(); // origin -> error
  const waiting = new Map(); // origin -> [resolve]
  const listener = (details) => {
    let origin;
    try {
      origin = new URL(details.url).origin;
    } catch {
      return;
    }
    if (!wanted.has(origin) || typeof details.error !== 'string') return;
    const before = seen.get(origin);
    if (before && !CANCELLED.test(before)) return; // the first real error counts
    seen.set(origin, details.error);
    if (CANCELLED.test(details.error)) return; // wait on for a better one
    for (const resolve of waiting.get(origin) ?? []) resolve(details.error);
    waiting.delete(origin);
  };
  try {
    event.addListener(listener, { urls: patterns });
  } catch {
    return null;
  }
  // addListener reaches the browser asynchronously: one API round trip after it, so that
  // the listener is in place before the requests it should see are sent.
  try {
    await api().permissions.contains({ origins: patterns });
  } catch {
    // Only a fence: its answer does not matter.
  }
  return {
    // The error of a request to `origin`: at once when one came already, else the first
    // within `graceMs` (the event may arrive just after the fetch rejected, or never),
    // else a cancellation seen meanwhile, or null.
    errorOf(origin, graceMs) {
      const now = seen.get(origin);
      if (now && !CANCELLED.test(now)) return Promise.resolve(now);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(seen.get(origin) ?? null), graceMs);
        const list = waiting.get(origin) ?? [];
        list.push((error) => {
          clearTimeout(timer);
          resolve(error);
        });
        waiting.set(origin, list);
      });
    },
    stop() {
      try {
        event.removeListener(listener);
      } catch {
        // the page is going away
      }
      for (const [origin, list] of waiting) for (const resolve of list) resolve(seen.get(origin) ?? null);
      waiting.clear();
    },
  };
}
