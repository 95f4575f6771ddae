// msr-lens/audit: <msr-lens-audit>, the MSR Lens trust audit explorer as a custom element.
//
// The view is the extension's audit page (crates/ui, the same Yew code built with the
// `embed` feature into ./msr_lens_audit_bg.wasm, separate from the core package's .wasm),
// rendered into the element's shadow root with the extension's stylesheet (./style.js),
// so no style leaks into or out of the portal page.
//
//   import { defineAuditElement } from "msr-lens/audit";
//   defineAuditElement();                       // registers <msr-lens-audit>
//   await document.querySelector("msr-lens-audit").connect({ username, secret });
//
// Attributes: `base-url` (the MSR origin; default this page's origin — MSR sends no CORS
// headers, so the page must be served from MSR's origin), `repository` (namespace/name:
// that repository's history only), `theme` (`light`, `dark`; default: the system's),
// `deep-links="off"` (by default the view reads #repo=…&record=… from the page's hash
// when it opens, and writes its filters and open record there as they change, so the
// page's URL opens the same view; "off" neither reads nor writes the hash). Credentials go only through connect():
// they are kept in this element's memory, never in an attribute or any storage, and are
// bound to the MSR origin in force when connect() got them: a changed `base-url` (another
// origin) drops them and signs the element out (event `credentials-dropped`), so they never
// reach another origin; call connect() again. IndexedDB keeps only the records and feed
// positions, per MSR origin, user and repository; stored records show once MSR accepted
// the credentials.

import init, { mountAudit } from "./msr_lens_audit.js";
import { css } from "./style.js";

/**
 * Credentials for {@link MsrLensAuditElement.connect}: an MSR user name and an access token
 * (recommended; the default) or the account password.
 * @typedef {object} AuditCredentials
 * @property {string} username The MSR user name.
 * @property {string} secret The access token or password.
 * @property {"accessToken" | "password"} [secretKind] What `secret` is; default `"accessToken"`.
 */

/**
 * Options of {@link defineAuditElement}.
 * @typedef {object} DefineAuditOptions
 * @property {string} [name] The element name; default `"msr-lens-audit"`.
 * @property {string | URL} [wasm] Where msr_lens_audit_bg.wasm is; default next to this module.
 */

/** @type {string | URL | undefined} */
let wasmUrl;
/** @type {Promise<unknown> | null} */
let loading = null;
/** @type {CSSStyleSheet | null} */
let sheet = null;

/**
 * The origin of `url` (`scheme://host[:port]`, normalised as the browser does), or `url`
 * itself when it is not a URL.
 * @param {string} url
 */
function originOf(url) {
  try {
    return new URL(url, location.href).origin;
  } catch {
    return url;
  }
}

/** Load the view's WebAssembly module once. */
function load() {
  loading ??= init(wasmUrl === undefined ? undefined : { module_or_path: wasmUrl });
  return loading;
}

/** The view's stylesheet on `shadow`: one constructed sheet shared by every element. */
function style(/** @type {ShadowRoot} */ shadow) {
  if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
    }
    shadow.adoptedStyleSheets = [sheet];
  } else {
    const element = document.createElement("style");
    element.textContent = css;
    shadow.append(element);
  }
}

/** The `<msr-lens-audit>` element. */
export class MsrLensAuditElement extends HTMLElement {
  static observedAttributes = ["base-url", "repository", "deep-links"];

  /** @type {AuditCredentials | null} */
  #credentials = null;
  /** The origin the credentials were given for: they go to no other. */
  #origin = "";
  /** @type {{ destroy(): void, free(): void } | null} */
  #handle = null;
  #active = false;
  #generation = 0;
  /** @type {HTMLDivElement} */
  #root;

  constructor() {
    super();
    const shadow = this.attachShadow({ mode: "open" });
    style(shadow);
    this.#root = document.createElement("div");
    this.#root.className = "msr-lens-root";
    this.#root.setAttribute("part", "root");
    shadow.append(this.#root);
    this.#placeholder();
  }

  /** The MSR origin read: the `base-url` attribute, else this page's origin. */
  get baseUrl() {
    return this.getAttribute("base-url") || location.origin;
  }

  /** Whether the view is mounted (after {@link connect}, while the element is in the page). */
  get connected() {
    return this.#handle !== null;
  }

  /**
   * Show the audit log read with these credentials (none: anonymous), replacing what was
   * shown. The credentials are bound to the origin of `base-url` now: if it changes to
   * another origin they are dropped (event `credentials-dropped`) and connect() is needed
   * again. Rejects when `base-url` or the credentials are not valid; errors of MSR (a
   * wrong password, no access) are shown in the view.
   * @param {AuditCredentials | null} [credentials]
   * @returns {Promise<void>}
   */
  async connect(credentials = null) {
    if (credentials !== null) {
      const { username, secret, secretKind } = credentials;
      if (typeof username !== "string" || typeof secret !== "string") {
        throw new TypeError("connect() wants { username: string, secret: string, secretKind? }");
      }
      if (secretKind !== undefined && secretKind !== "accessToken" && secretKind !== "password") {
        throw new TypeError('secretKind must be "accessToken" or "password"');
      }
      this.#credentials = secretKind === undefined ? { username, secret } : { username, secret, secretKind };
      this.#origin = originOf(this.baseUrl);
    } else {
      this.#credentials = null;
    }
    this.#active = true;
    await this.#mount();
  }

  /** Stop reading, forget the credentials and clear the view (stored records stay). */
  disconnect() {
    this.#active = false;
    this.#credentials = null;
    this.#origin = "";
    this.#generation += 1;
    this.#unmount();
    this.#placeholder();
  }

  connectedCallback() {
    if (this.#active && !this.#handle) this.#remount();
  }

  disconnectedCallback() {
    // Removed from the page: stop the feeds (a re-inserted element reconnects).
    this.#generation += 1;
    this.#unmount();
  }

  /** @param {string} name @param {string | null} old @param {string | null} value */
  attributeChangedCallback(name, old, value) {
    if (name === "base-url" && this.#dropForeign()) return;
    if (old !== value && this.#handle) this.#remount();
  }

  /**
   * When `base-url` is no longer the origin the credentials were given for: forget them,
   * sign out, say so (event `credentials-dropped`, detail `{ origin, baseUrl }`: the origin
   * they were for and the new address) and return true.
   */
  #dropForeign() {
    if (!this.#credentials || originOf(this.baseUrl) === this.#origin) return false;
    const origin = this.#origin;
    this.disconnect();
    const p = document.createElement("p");
    p.className = "muted placeholder";
    p.textContent = "Signed out: the MSR address changed.";
    this.#root.replaceChildren(p);
    this.dispatchEvent(new CustomEvent("credentials-dropped", { detail: { origin, baseUrl: this.baseUrl } }));
    return true;
  }

  #remount() {
    this.#mount().catch((error) => {
      this.dispatchEvent(new CustomEvent("audit-error", { detail: error }));
    });
  }

  async #mount() {
    const generation = ++this.#generation;
    await load();
    if (generation !== this.#generation || !this.#active || !this.isConnected) return;
    // Never mount credentials on another origin than the one they were given for.
    if (this.#dropForeign()) return;
    this.#unmount();
    const c = this.#credentials;
    try {
      this.#handle = mountAudit(
        this.#root,
        this.baseUrl,
        this.getAttribute("repository") || undefined,
        c?.username ?? "",
        c?.secret ?? "",
        c?.secretKind,
        this.getAttribute("deep-links") !== "off",
      );
    } catch (error) {
      this.#placeholder();
      throw error;
    }
  }

  #unmount() {
    const handle = this.#handle;
    this.#handle = null;
    if (handle) {
      handle.destroy();
      handle.free();
    }
  }

  #placeholder() {
    const p = document.createElement("p");
    p.className = "muted placeholder";
    p.textContent = "Not signed in.";
    this.#root.replaceChildren(p);
  }
}

/**
 * Register the element (default name `msr-lens-audit`) and start loading its
 * WebAssembly module. Safe to call more than once; returns the element class.
 * @param {DefineAuditOptions} [options]
 * @returns {typeof MsrLensAuditElement}
 */
export function defineAuditElement(options = {}) {
  const name = options.name ?? "msr-lens-audit";
  if (options.wasm !== undefined) wasmUrl = options.wasm;
  const existing = customElements.get(name);
  if (existing) return /** @type {typeof MsrLensAuditElement} */ (existing);
  customElements.define(name, name === "msr-lens-audit" ? MsrLensAuditElement : class extends MsrLensAuditElement {});
  load().catch(() => {
    // Reported again by connect(), which awaits the same promise.
  });
  return /** @type {typeof MsrLensAuditElement} */ (customElements.get(name));
}
