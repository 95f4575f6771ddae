// <msr-lens-health>: MSR health as a drop-in custom element.
//
//   <script type="module" src="/lens/msr-lens-health.js"></script>
//   <msr-lens-health refresh="30" replicas="https://msr-1.example.org https://msr-2.example.org">
//   </msr-lens-health>
//
// Attributes: `base-url` (default: this page's origin — MSR sends no CORS headers, so the
// element must be served from MSR's origin or through a proxy that adds them), `refresh`
// (seconds between checks; 0 = once), `replicas` (space-separated per-replica origins).
// Credentials are a property, never an attribute (no secret in the DOM):
// `element.credentials = { username, secret }` — with an admin's, the check includes
// `cluster_status`. They are bound to the origin of `base-url` when they are set: a
// `base-url` on another origin drops them (event `credentials-dropped`, detail
// `{ origin, baseUrl }`) and the checks go on anonymously until credentials are set again,
// so they never reach another origin. Fires `health` (detail: the HealthReport) and
// `health-error`.
// The verdict is never green on partial evidence: without admin credentials it shows
// "reachable" (cluster status not checked), with credentials MSR refuses "unknown" with
// "cannot sign in"; a line names what was checked (the report's `coverage.summary`). The
// host element carries the verdict as `data-verdict` for page styles and tests.
// Everything the server says is rendered as text (textContent), never as HTML.
// The msr-lens package is expected in ./pkg/ next to this file.

import init, { MsrClient } from "./pkg/msr_lens.js";

/** Resolves once the WebAssembly module is loaded. */
export const ready = init();
export { MsrClient };

const STYLE = `
  :host { display: block; font: inherit; }
  .card { background: #fff; border-radius: 8px; box-shadow: 0 1px 3px #0002; padding: 0.75rem 1rem; }
  .verdict { display: inline-block; font-weight: 600; padding: 0.15rem 0.7rem; border-radius: 999px;
    text-transform: uppercase; letter-spacing: 0.04em; font-size: 0.85rem; }
  .healthy { background: #d9f5e1; color: #115b2a; }
  .degraded { background: #fff0c2; color: #6b4a00; }
  .down { background: #fbd5d5; color: #8a1111; }
  .reachable { background: #dce8fb; color: #173f78; }
  .unknown, .checking { background: #e6e8ec; color: #3c4455; }
  .note { font-weight: 600; margin-left: 0.5rem; font-size: 0.85rem; }
  .when { color: #5b6475; font-size: 0.8rem; margin-left: 0.5rem; }
  .coverage { margin-top: 0.35rem; font-size: 0.8rem; color: #5b6475; }
  ul { margin: 0.5rem 0 0; padding-left: 1.2rem; }
  li.down, li.degraded { color: #8a1111; }
  li.info { color: #5b6475; }
  .pings { margin-top: 0.5rem; font-size: 0.85rem; color: #3c4455; }
`;

class MsrLensHealth extends HTMLElement {
  static observedAttributes = ["base-url", "refresh", "replicas"];

  #client = null;
  #credentials = null;
  #timer = null;
  #running = false;
  #again = false;
  #parts;

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = STYLE;
    const card = document.createElement("div");
    card.className = "card";
    card.setAttribute("part", "card");
    const verdict = document.createElement("span");
    verdict.className = "verdict checking";
    verdict.setAttribute("part", "verdict");
    verdict.textContent = "checking…";
    const note = document.createElement("span");
    note.className = "note";
    note.setAttribute("part", "note");
    const when = document.createElement("span");
    when.className = "when";
    const coverage = document.createElement("div");
    coverage.className = "coverage";
    coverage.setAttribute("part", "coverage");
    const reasons = document.createElement("ul");
    reasons.setAttribute("part", "reasons");
    const pings = document.createElement("div");
    pings.className = "pings";
    card.append(verdict, note, when, coverage, reasons, pings);
    root.append(style, card);
    this.#parts = { verdict, note, when, coverage, reasons, pings };
  }

  /** `{ username, secret }` or null; kept in memory only, for the origin of `base-url` now. */
  set credentials(value) {
    this.#credentials =
      value && value.username && value.secret
        ? { username: value.username, secret: value.secret, origin: this.#origin() }
        : null;
    this.#reset();
  }

  get credentials() {
    return this.#credentials ? { username: this.#credentials.username } : null;
  }

  /** The latest report, or null. */
  report = null;

  connectedCallback() {
    this.refresh();
  }

  disconnectedCallback() {
    clearTimeout(this.#timer);
    this.#timer = null;
  }

  attributeChangedCallback(name) {
    if (name === "base-url") this.#dropForeign();
    this.#reset();
  }

  /** The MSR address: `base-url`, else this page's origin. */
  #baseUrl() {
    return this.getAttribute("base-url") || location.origin;
  }

  /** The origin of the MSR address (normalised as the browser does), or the text itself. */
  #origin() {
    try {
      return new URL(this.#baseUrl(), location.href).origin;
    } catch {
      return this.#baseUrl();
    }
  }

  /** Forget credentials given for another origin than the one now in force, and say so. */
  #dropForeign() {
    const given = this.#credentials;
    if (!given || given.origin === this.#origin()) return;
    this.#credentials = null;
    this.dispatchEvent(new CustomEvent("credentials-dropped", { detail: { origin: given.origin, baseUrl: this.#baseUrl() } }));
  }

  #reset() {
    this.#client?.free();
    this.#client = null;
    if (this.isConnected) this.refresh();
  }

  #makeClient() {
    // The replicas MSR's settings list are on other origins, which a page cannot reach
    // (MSR sends no CORS headers): list them in the report, do not ping them.
    const options = { baseUrl: this.#baseUrl(), discoverReplicas: "list" };
    const replicas = (this.getAttribute("replicas") || "").split(/\s+/).filter(Boolean);
    if (replicas.length) options.replicas = replicas;
    this.#dropForeign();
    if (this.#credentials) {
      options.username = this.#credentials.username;
      options.secret = this.#credentials.secret;
    }
    return new MsrClient(options);
  }

  /** Run one check now (and schedule the next one). */
  async refresh() {
    clearTimeout(this.#timer);
    if (this.#running) {
      // Settings changed during a check: check again as soon as it ends.
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      await ready;
      this.#client ??= this.#makeClient();
      const report = await this.#client.health();
      this.report = report;
      this.#render(report);
      this.dispatchEvent(new CustomEvent("health", { detail: report }));
    } catch (error) {
      this.#renderError(error);
      this.dispatchEvent(new CustomEvent("health-error", { detail: error }));
    } finally {
      this.#running = false;
      const seconds = Number(this.getAttribute("refresh") || 0);
      if (this.#again) {
        this.#again = false;
        this.refresh();
      } else if (seconds > 0 && this.isConnected) {
        this.#timer = setTimeout(() => this.refresh(), seconds * 1000);
      }
    }
  }

  #render(report) {
    const { verdict, note, when, coverage, reasons, pings } = this.#parts;
    verdict.className = `verdict ${report.verdict}`;
    verdict.textContent = report.verdict;
    this.dataset.verdict = report.verdict;
    const signIn = report.reasons.some((r) => r.code === "signInFailed");
    note.textContent =
      report.verdict === "reachable" ? "cluster status not checked" : signIn ? "cannot sign in" : "";
    coverage.textContent = report.coverage ? `checked: ${report.coverage.summary}` : "";
    when.textContent = `checked ${new Date(report.checkedAt).toLocaleTimeString()}`;
    reasons.replaceChildren(
      ...report.reasons.map((reason) => {
        const li = document.createElement("li");
        li.className = reason.severity;
        li.textContent = reason.message;
        return li;
      }),
    );
    const lines = report.pings.map((p) => `${p.label}: ${p.state === "unknown" ? `unknown (${p.why})` : p.state}`);
    lines.push(
      ...report.replicas.map((r) => `replica ${r.id}: ${r.conditions.map((c) => c.condition).join(", ")}`),
    );
    pings.textContent = lines.join(" · ");
  }

  #renderError(error) {
    const { verdict, note, when, coverage, reasons, pings } = this.#parts;
    verdict.className = "verdict unknown";
    verdict.textContent = "unknown";
    this.dataset.verdict = "unknown";
    note.textContent = "";
    coverage.textContent = "";
    when.textContent = "";
    const li = document.createElement("li");
    li.textContent = `${error?.kind ?? "error"}: ${error?.message ?? String(error)}`;
    reasons.replaceChildren(li);
    pings.textContent = "";
  }
}

if (!customElements.get("msr-lens-health")) customElements.define("msr-lens-health", MsrLensHealth);
