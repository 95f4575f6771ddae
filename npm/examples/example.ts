// A consumer of msr-lens, type-checked by the package tests with `tsc --noEmit` against
// the generated declarations (Node.js build).
import {
  MsrClient,
  isMsrLensError,
  parseChangefeedPage,
  type ChangeRecord,
  type HealthReport,
  type MsrLensError,
  type Reason,
} from "msr-lens";

const msr = new MsrClient({
  baseUrl: "https://msr.example.org",
  username: "monitor",
  secret: "an-access-token",
  replicas: ["https://msr-1.example.org", { label: "second", url: "https://msr-2.example.org" }],
  timeoutMs: 10_000,
});

export async function summary(): Promise<string> {
  const report: HealthReport = await msr.health();
  const worst: Reason | undefined = report.reasons[0];
  const rate = report.nginxRates?.requestsPerSec ?? 0;
  const pings = report.pings.map((p) => (p.state === "unknown" ? `${p.label}: ${p.why}` : `${p.label}: ${p.state}`));
  return `${report.verdict} ${worst?.code ?? ""} ${rate.toFixed(1)} ${pings.join(", ")}`;
}

export async function latest(repository: string): Promise<ChangeRecord[]> {
  const feed = msr.changefeed({ repository, from: "latest", pageSize: 20 });
  const page = await feed.nextPage();
  return page?.records ?? [];
}

export async function everything(): Promise<number> {
  let deletions = 0;
  try {
    for await (const record of msr.changefeed({ from: { after: "41" } })) {
      if (record.category === "deletion" && record.sha256 === null) deletions++;
    }
  } catch (e) {
    if (isMsrLensError(e)) {
      const error: MsrLensError = e;
      if (error.kind === "noAccess") return -1;
      console.error(error.kind, error.status, error.code);
    }
    throw e;
  }
  return deletions;
}

export async function live(signal: AbortSignal): Promise<void> {
  const feed = msr.follow({ repository: "library/nginx", pollIntervalMs: 5_000 });
  signal.addEventListener("abort", () => feed.close());
  for await (const record of feed) {
    const when: number | null = record.createdAt;
    console.log(record.gun, record.version, when === null ? record.createdAtRaw : new Date(when));
  }
  const saved: string = feed.save();
  msr.changefeed({ resume: saved });
}

export async function access(): Promise<boolean> {
  const grants = await msr.grants(["library/nginx"]);
  // Every options argument is optional: the global feed from the start, following the
  // latest records, only the global audit log's grant, a health check without a sample.
  void msr.changefeed();
  void msr.follow();
  const admin: boolean = (await msr.grants()).globalAuditLog;
  const rates = (await msr.health({ previousNginx: null })).nginxRates;
  void admin;
  void rates;
  const token = await msr.token(["repository:msr.example.org/library/nginx:pull"]);
  return grants.globalAuditLog || token.grants.some((g) => g.actions.includes("pull"));
}

export const parsed: ChangeRecord[] = parseChangefeedPage('{"count":0,"records":null}');
