// The browser's own error for a request that got no answer, from webRequest.onErrorOccurred
// (non-blocking; the `webRequest` permission and the host grant). A page's fetch rejects
// with one TypeError whether the certificate is not trusted or nothing listens; the event
// names which (net::ERR_CERT_AUTHORITY_INVALID, net::ERR_CONNECTION_REFUSED, Firefox's
// NS_ERROR_* or NSS message). Used by crates/ui/src/services/net_errors.rs for "Test
// connection"; msr-lens-core's `NetworkFailure::classify` reads the strings.

const events = () => (globalThis.browser ?? globalThis.chrome)?.webRequest?.onErrorOccurred;

// Listen for the errors of requests to `origin` (scheme://host[:port]) until stopped.
// Resolves to a watcher, or null when there is no webRequest here (no permission, not an
// extension, another browser).
export async function watchNetErrors(origin) {
  const event = events();
  if (!event) return null;
  const base = new URL(origin);
  // Firefox's match patterns take no port (one with a port matches nothing there);
  // Chromium's portless pattern matches every port. The origin is compared below.
  const pattern = `${base.protocol}//${base.hostname}/*`;
  const seen = new Map(); // url -> error
  const waiting = new Map(); // url -> [resolve]
  const listener = (details) => {
    let url;
    try {
      url = new URL(details.url);
    } catch {
      return;
    }
    if (url.origin !== base.origin) return;
    seen.set(url.href, details.error);
    for (const resolve of waiting.get(url.href) ?? []) resolve(details.error);
    waiting.delete(url.href);
  };
  try {
    event.addListener(listener, { urls: [pattern] });
  } catch {
    return null;
  }
  // addListener reaches the browser asynchronously: one API round trip after it, so that
  // the listener is in place before the request it should see is sent.
  const api = globalThis.browser ?? globalThis.chrome;
  try {
    await api.permissions.contains({ origins: [pattern] });
  } catch {
    // Only a fence: its answer does not matter.
  }
  return {
    // The error of `url`: at once when it came already, else when it comes, or null after
    // `graceMs` (the event may arrive just after the fetch rejected, or never).
    errorFor(url, graceMs) {
      const key = new URL(url).href;
      if (seen.has(key)) return Promise.resolve(seen.get(key));
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(null), graceMs);
        const list = waiting.get(key) ?? [];
        list.push((error) => {
          clearTimeout(timer);
          resolve(error);
        });
        waiting.set(key, list);
      });
    },
    stop() {
      event.removeListener(listener);
      for (const list of waiting.values()) for (const resolve of list) resolve(null);
      waiting.clear();
    },
  };
}

export function netErrorFor(watcher, url, graceMs) {
  return watcher.errorFor(url, graceMs);
}

export function stopNetErrors(watcher) {
  watcher.stop();
}
