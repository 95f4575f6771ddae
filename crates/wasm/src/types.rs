//! TypeScript declarations of the values the bindings hand to JavaScript.
//!
//! `wasm-bindgen` writes these into the generated `.d.ts` next to the declarations it
//! derives from the exports. Each block mirrors the `Serialize` output of the Rust type it
//! names; `tests/types` in the npm package type-checks real outputs against them with
//! `tsc`, so a field added or renamed in Rust without updating this file fails the tests.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const OPTIONS: &'static str = r#"
/** Options of `new MsrClient(options)`. Unknown keys are rejected. */
export interface MsrClientOptions {
  /** The MSR origin, `https://host[:port]` (no path). */
  baseUrl: string;
  /** User name; give it together with `secret`, or neither (anonymous). */
  username?: string;
  /** An MSR access token (recommended) or the password. Sent only to `baseUrl`. */
  secret?: string;
  /** What `secret` is; default `"accessToken"`. */
  secretKind?: "password" | "accessToken";
  /** Per-replica origins for `/_ping` (MSR HA); a URL or `{ label, url }`. */
  replicas?: Array<string | { label: string; url: string }>;
  /** Timeout of each request in milliseconds (default 15000). */
  timeoutMs?: number;
  /** Largest accepted response body in bytes (default 64 MiB). */
  maxBodyBytes?: number;
  /** How old a replica's last report may be before it is stale (default 300 s). */
  staleAfterSecs?: number;
  /**
   * What `health()` does with the replicas MSR's settings list (admins only):
   * `"ping"` each on its HTTPS port (default; given `replicas` override it),
   * `"pingHttp"` on its HTTP port, `"list"` them in `report.discovery` only, or `"off"`.
   */
  discoverReplicas?: "ping" | "pingHttp" | "list" | "off";
  /** Failed jobs within this many seconds are reported (default 3600). */
  jobsWindowSecs?: number;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const ERRORS: &'static str = r#"
/** The stable `kind` of an `MsrLensError`. */
export type MsrLensErrorKind =
  | "unauthenticated" | "forbidden" | "noAccess" | "notFound" | "badRequest"
  | "rateLimited" | "unavailable" | "serverError" | "badResponse"
  | "network" | "tls" | "timeout" | "tooLarge" | "refused"
  | "tokenRejected" | "foreignRealm" | "foreignRequest" | "cursorVanished"
  | "invalidArgument" | "internal";

/** Every promise of this package rejects with one of these. */
export interface MsrLensError extends Error {
  name: "MsrLensError";
  kind: MsrLensErrorKind;
  /** The HTTP status, when an answer came. */
  status?: number;
  /** The server's error code (`NOT_AUTHENTICATED`, `UNAUTHORIZED`, ...), when sent. */
  code?: string;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const HEALTH: &'static str = r#"
/** Why a `/_ping` answer is not a verdict. */
export type UnknownWhy =
  | "noAnswer" | "gateway" | "authRequired" | "redirected" | "html" | "notPingJson"
  | "unexpectedStatus";

/** What one replica's `/_ping` says about it. */
export type PingVerdict =
  | { state: "healthy" }
  | { state: "unhealthy"; reason: string }
  | { state: "unknown"; status: number; excerpt: string; why: UnknownWhy };

/** nginx `stub_status`: gauges and counters since nginx started. */
export interface NginxStatus {
  active: number; accepts: number; handled: number; requests: number;
  reading: number; writing: number; waiting: number;
}

/** Rates between two nginx samples (two `health()` calls of one client). */
export interface NginxRates {
  requestsPerSec: number;
  acceptsPerSec: number;
  dropped: number;
  elapsedMs: number;
  reset: boolean;
}

/** A RethinkDB issue. */
export interface Issue {
  id: string | null;
  type: string | null;
  critical: boolean;
  description: string | null;
  info: unknown;
  other: Record<string, unknown>;
}

/** A RethinkDB `server_status` entry. */
export interface ServerStatus {
  id: string | null;
  name: string | null;
  network: unknown;
  process: unknown;
  other: Record<string, unknown>;
}

/** A RethinkDB `table_status` entry. */
export interface TableStatus {
  db: string | null;
  name: string | null;
  allReplicasReady: boolean | null;
  readyForWrites: boolean | null;
  status: Record<string, unknown>;
  shards: unknown;
  other: Record<string, unknown>;
}

/** RethinkDB's system tables. */
export interface RethinkSystemTables {
  currentIssues: Issue[];
  serverStatus: ServerStatus[];
  tableStatus: TableStatus[];
  other: Record<string, unknown>;
}

/** When a replica last reported: the raw text and, when it is a time, epoch ms. */
export interface ReplicaTimestamp { raw: string; at: number | null }

/** One thing that is true about a replica. */
export type ReplicaCondition =
  | { condition: "ok" }
  | { condition: "unhealthy"; reason: string }
  | { condition: "healthUnknown" }
  | { condition: "stale"; lastSeen: number; ageSecs: number }
  | { condition: "timestampUnknown"; raw: string }
  | { condition: "readOnly" };

/** The derived state of one replica. */
export interface ReplicaState {
  id: string;
  health: string | null;
  lastSeen: ReplicaTimestamp | null;
  readOnly: boolean | null;
  conditions: ReplicaCondition[];
}

/** `cluster_status`, read tolerantly, with the derived replica states. */
export interface ClusterStatus {
  rethinkSystemTables: RethinkSystemTables | null;
  currentIssues: Issue[];
  replicaHealth: Record<string, string>;
  replicaTimestamp: Record<string, ReplicaTimestamp>;
  replicaReadonly: Record<string, boolean>;
  gcLockHolder: string | null;
  etcdStatus: unknown;
  other: Record<string, unknown>;
  /** Fields that were skipped because their type was odd. */
  warnings: string[];
  replicas: ReplicaState[];
}

/**
 * "reachable": MSR answers and nothing wrong was seen, but the cluster status was not
 * read (see `coverage.clusterStatusMissing`) — neither green nor red. A refused sign-in
 * is "unknown" with the reason code "signInFailed" first, never "healthy".
 */
export type Verdict = "healthy" | "reachable" | "degraded" | "down" | "unknown";
export type Severity = "info" | "unknown" | "degraded" | "down";
export type ReasonCode =
  | "allReplicasDown" | "noData" | "inconclusive" | "clusterNotChecked" | "signInFailed"
  | "pingUnhealthy" | "pingUnreachable" | "pingUnknown"
  | "replicaUnhealthy" | "replicaHealthUnknown" | "replicaStale"
  | "replicaTimestampUnknown" | "replicaReadOnly"
  | "criticalIssue" | "issue" | "tablesNotWritable" | "tablesReplicasNotReady"
  | "gcRunning" | "clusterNotSignedIn" | "clusterNotAdmin" | "clusterCheckFailed"
  | "clusterUnavailable" | "clusterWarnings"
  | "nginxDropping" | "nginxDroppedSinceStart" | "nginxRestarted"
  | "nginxNotAvailable" | "nginxUnavailable"
  | "replicasNotDiscovered" | "settingsUnavailable"
  | "workerDead" | "workerHeartbeatExpired" | "jobsFailing" | "jobWaiting" | "cronOverdue"
  | "jobRunnerUnavailable" | "metricsNotAvailable" | "metricsUnavailable";

/** One finding that explains the verdict. */
export interface Reason {
  severity: Severity;
  code: ReasonCode;
  subject: string | null;
  message: string;
}

/** One replica's ping in the report. */
export type PingEntry = { label: string } & PingVerdict;

/** Options of `health()`. */
export interface HealthOptions {
  /**
   * The nginx sample to measure request rates against instead of this client's previous
   * `health()`: an earlier report's `nginx` plus `at: report.checkedAt` (other keys are
   * ignored, so a stored copy can be passed as it is).
   */
  previousNginx?: (NginxStatus & { at: number }) | null;
}

/** Why `cluster_status` was not read. */
export type ClusterStatusMissing =
  | "noCredentials" | "signInFailed" | "notAdmin" | "checkFailed" | "unavailable";

/** What a health check read: what its verdict is based on. */
export interface Coverage {
  /** A replica gave MSR's own `/_ping` answer (healthy or unhealthy). */
  pings: boolean;
  /** `/nginx_status` was read. */
  nginx: boolean;
  /** `cluster_status` was read. */
  clusterStatus: boolean;
  /** Why `cluster_status` was not read; `null` when it was. */
  clusterStatusMissing: ClusterStatusMissing | null;
  /** `/api/v0/meta/settings` was read (replicas discovered). */
  settings: boolean;
  /** Workers, jobs and crons were all read. */
  jobRunner: boolean;
  /** `/api/v0/admin/metrics` was read (MSR 3.1+). */
  metrics: boolean;
  /**
   * For people: "pings only", "pings + nginx", "pings + nginx + cluster status + job
   * runner + metrics", ..., "nothing".
   */
  summary: string;
}

/** One replica from MSR's settings. */
export interface DiscoveredReplica {
  id: string;
  node: string;
  httpPort: number | null;
  httpsPort: number | null;
  /** `https://node:HTTPSPort` / `http://node:HTTPPort`, when usable. */
  httpsUrl: string | null;
  httpUrl: string | null;
  /** The origin its `/_ping` was asked at (when `pinged`), else its HTTPS origin. */
  pingUrl: string | null;
  /** Whether this check pinged it (not with `replicas` given or `discoverReplicas: "list"`). */
  pinged: boolean;
}

/** The replicas `/api/v0/meta/settings` lists (admins). */
export interface ReplicaDiscovery {
  dtrHost: string | null;
  /** The replica that answered. */
  replicaId: string | null;
  replicas: DiscoveredReplica[];
}

/** A time as MSR wrote it: epoch milliseconds when it is RFC 3339, and the raw text. */
export interface When { at: number | null; raw: string }

export interface JobWorker {
  id: string;
  /** "running" or "dead". */
  status: string;
  heartbeatExpiration: When | null;
  capacityMap: Record<string, number>;
}

/** The job runner at a glance (admins). Times are epoch milliseconds. */
export interface JobRunnerSummary {
  workers: JobWorker[];
  /** How many of the newest jobs were read. */
  jobsRead: number;
  windowSecs: number;
  /** Jobs in "error" or "worker_dead" updated within the window, newest first. */
  failedRecently: Array<{ id: string; action: string; status: string; workerId: string; at: number }>;
  oldestWaiting: { id: string; action: string; scheduledAt: number; ageSecs: number } | null;
  waiting: number;
  running: number;
  /** The next cron runs, soonest first (at most 5). */
  nextCrons: Array<{ action: string; at: number }>;
}

/** MSR 3.1 metrics, reduced to a few key figures (families picked by name, summed). */
export interface MetricsSummary {
  samples: number;
  repositories: number | null;
  pullsTotal: number | null;
  pushesTotal: number | null;
  /** Per minute since this client's previous `health()`. */
  pullsPerMin: number | null;
  pushesPerMin: number | null;
  keySeries: Array<{ name: string; kind: string; total: number; samples: number }>;
  sample: { at: number; pulls: number | null; pushes: number | null };
}

/** The combined health report of `health()`. Times are epoch milliseconds. */
export interface HealthReport {
  verdict: Verdict;
  /** Most severe first; a summary first for "down" and "unknown". */
  reasons: Reason[];
  checkedAt: number;
  pings: PingEntry[];
  replicas: ReplicaState[];
  issues: Issue[];
  gcRunning: boolean;
  nginx: NginxStatus | null;
  nginxRates: NginxRates | null;
  coverage: Coverage;
  /** Replicas from MSR's settings (admins); `null` when not read. */
  discovery: ReplicaDiscovery | null;
  /** Workers, recent failures, waiting jobs, next cron runs (admins); `null` when not read. */
  jobRunner: JobRunnerSummary | null;
  /** MSR 3.1 metrics (admins); `null` when not read or absent (MSR 2.9). */
  metrics: MetricsSummary | null;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const AUTH: &'static str = r#"
/** One entry of a token's `access` claim. */
export interface Grant { type: string; name: string; actions: string[] }

/** What `token(scopes)` resolves to. Times are epoch milliseconds. */
export interface TokenInfo {
  /** The bearer token (a JWT). Keep it in memory only. */
  token: string;
  issuedAt: number;
  expiresAt: number;
  /** When this package fetches a new one instead of reusing it. */
  refreshAt: number;
  /** The account the token was issued to; `null` when anonymous. */
  subject: string | null;
  /** What the token grants (its `access` claim, not verified by the client). */
  grants: Grant[];
}

/** What `grants(repositories)` resolves to: what the credentials may see. */
export interface GrantsInfo {
  signedIn: boolean;
  subject: string | null;
  /** May read the global trust audit log (`registry:catalog:*`: MSR admins). */
  globalAuditLog: boolean;
  /** One entry per repository asked about. */
  repositories: Array<{ repository: string; gun: string; pull: boolean; push: boolean }>;
  grants: Grant[];
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const FEED: &'static str = r#"
/**
 * One changefeed record: a timestamp update (`update`: a publish or a server re-sign —
 * notary-server also writes one, with no one pushing, when it re-signs an expired
 * server-managed timestamp on a read) or `notary delete --remote` (`deletion`). Cosign
 * signatures (MSR 2.10+) are not in notary's changefeed.
 */
export interface ChangeRecord {
  /** Opaque cursor: compare IDs only for equality. */
  id: string;
  /** Epoch milliseconds, or `null` when `CreatedAt` was missing or not RFC 3339. */
  createdAt: number | null;
  /** `CreatedAt` exactly as sent. */
  createdAtRaw: string;
  /** `<host>/<namespace>/<repo>`. */
  gun: string;
  /** The timestamp role's version (timestamp.json); 0 for a deletion. */
  version: number;
  /** sha256 of that version's timestamp.json; `null` for a deletion. */
  sha256: string | null;
  /** `update`: a timestamp update (a publish or a server re-sign), not necessarily a push. */
  category: "update" | "deletion" | (string & {});
}

/** One page of `nextPage()`, in server order (oldest → newest). */
export interface ChangePage {
  records: ChangeRecord[];
  /** After the records seen so far (`append`) or before them (`prepend`, older pages). */
  placement: "append" | "prepend";
}

/** Where a walk begins. Record IDs come from `ChangeRecord.id`. */
export type ChangefeedFrom = "start" | "latest" | { after: string } | { before: string };

/** Options of `changefeed(options)`. Unknown keys are rejected. */
export interface ChangefeedOptions {
  /** `namespace/repo` (on this MSR) or a full GUN; omitted: the global feed (admins). */
  repository?: string;
  /** Default `"start"`. */
  from?: ChangefeedFrom;
  /** Records per request, 1–10000 (default 100). */
  pageSize?: number;
  /** Transient errors retried in a row before a call rejects (default 3). */
  maxRetries?: number;
  /** A position from `save()`; overrides `from`. */
  resume?: string;
}

/** Options of `follow(options)`. */
export interface FollowOptions {
  repository?: string;
  /** Default `"latest"`: only records published from now on (plus the latest page). */
  from?: "start" | "latest" | { after: string };
  pageSize?: number;
  /** Wait between polls once caught up, in ms (default 30000). */
  pollIntervalMs?: number;
  maxRetries?: number;
  resume?: string;
}

/** Counters, cursors and status of a walk (`progress()`). */
export interface FeedProgress {
  status:
    | { state: "ready" } | { state: "fetching" } | { state: "waiting"; until: number }
    | { state: "idle" } | { state: "done" }
    | { state: "halted"; reason: "unauthenticated" | "noAccess" | "error" | "cursorVanished" };
  recordsEmitted: number;
  pages: number;
  newest: string | null;
  oldest: string | null;
  caughtUp: boolean;
  reachedStart: boolean;
  errors: number;
  consecutiveErrors: number;
  duplicatesSkipped: number;
  staleIgnored: number;
  lastPageAt: number | null;
}

export interface Changefeed extends AsyncIterable<ChangeRecord> {
  [Symbol.asyncIterator](): Changefeed;
}
"#;
