// A small fake MSR for the offline tests of the msr-lens package and of the wasm
// transport: plain HTTP on 127.0.0.1, CORS open (so tests in a browser page can call it),
// answers shaped like MSR's (msr-api.md), plus a few misbehaving routes.
//
//   node npm/test/fake-msr.mjs [port]     prints "fake-msr ready <origin> <replica origins>"
//   import { startFakeMsr } from "./fake-msr.mjs"
//
// Users: admin / admin-secret (MSR admin), dev / dev-secret (pull on library/app),
// anything else is refused by the token service. The changefeed is memory-storage-like:
// IDs "1".."N", `change_id=0` from the start, `-1` with negative `records` for the latest.
// Tokens are unsigned JWTs (the client never checks signatures).

import { createServer } from "node:http";

const USERS = {
  admin: { secret: "admin-secret", admin: true, pull: [] },
  dev: { secret: "dev-secret", admin: false, pull: ["library/app"] },
};

const PAGE_HTML = "<!DOCTYPE html><html><head><title>Sign in</title></head><body>SSO</body></html>";

function b64url(text) {
  return Buffer.from(text).toString("base64url");
}

function basicUser(req) {
  const header = req.headers.authorization || "";
  if (!header.startsWith("Basic ")) return { anonymous: true };
  const [name, ...rest] = Buffer.from(header.slice(6), "base64").toString().split(":");
  const user = USERS[name];
  if (!user || user.secret !== rest.join(":")) return { bad: true };
  return { name, user };
}

function bearer(req) {
  const header = req.headers.authorization || "";
  if (!header.startsWith("Bearer ")) return null;
  try {
    const payload = header.slice(7).split(".")[1];
    return JSON.parse(Buffer.from(payload, "base64url").toString());
  } catch {
    return null;
  }
}

export async function startFakeMsr({ port = 0, replicas = 2, records = 250 } = {}) {
  const state = { records: [], hits: {}, lastAuthorization: {} };
  const publish = (count, gun) => {
    for (let i = 0; i < count; i++) {
      const n = state.records.length + 1;
      state.records.push({
        ID: String(n),
        CreatedAt: new Date(Date.UTC(2026, 10, 26, 12, 0, 0) + n * 1000).toISOString(),
        GUN: gun ?? `${host}/library/${n % 3 === 0 ? "app" : "web"}`,
        Version: n,
        SHA256: n % 7 === 0 ? "" : n.toString(16).padStart(64, "0"),
        Category: n % 7 === 0 ? "deletion" : "update",
      });
    }
  };
  let host = "127.0.0.1";

  const send = (res, status, body, type = "application/json", extra = {}) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text), ...extra });
    res.end(text);
  };

  const main = createServer((req, res) => {
    res.setHeader("access-control-allow-origin", "*");
    res.setHeader(
      "access-control-expose-headers",
      "www-authenticate, retry-after, location, content-length, date",
    );
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        "access-control-allow-headers": "authorization, accept, content-type",
        "access-control-allow-methods": "GET, POST",
        "access-control-max-age": "600",
      });
      return res.end();
    }
    const url = new URL(req.url, `http://${req.headers.host}`);
    const path = url.pathname;
    state.hits[path] = (state.hits[path] || 0) + 1;
    state.lastAuthorization[path] = req.headers.authorization ?? null;

    if (path === "/_ping") return send(res, 200, { Error: "", Healthy: true });
    if (path === "/nginx_status") {
      const n = 100 + (state.hits[path] || 0);
      return send(
        res,
        200,
        `Active connections: 3 \nserver accepts handled requests\n ${n} ${n} ${n * 2} \nReading: 0 Writing: 1 Waiting: 2 \n`,
        "text/plain",
      );
    }
    if (path === "/api/v0/meta/cluster_status") {
      const who = basicUser(req);
      if (who.anonymous || who.bad)
        return send(res, 401, { code: "NOT_AUTHENTICATED", message: "The client is not authenticated." });
      if (!who.user.admin)
        return send(res, 403, {
          errors: [{ code: "NOT_AUTHORIZED", message: "The client is not authorized.", detail: "admin only" }],
        });
      const now = new Date().toISOString();
      return send(res, 200, {
        rethink_system_tables: {
          current_issues: [],
          server_status: [],
          table_status: [],
          // A raw table with an integer beyond 2^53 (a nanosecond time), as RethinkDB's
          // stats may hold: it must not sink the report (crates/wasm to_js).
          stats: [{ id: ["cluster"], time_ns: 1765000000000000000 }],
        },
        replica_health: { aaaaaaaaaaaa: "OK", bbbbbbbbbbbb: "OK" },
        replica_timestamp: { aaaaaaaaaaaa: now, bbbbbbbbbbbb: now },
        replica_readonly: { aaaaaaaaaaaa: false, bbbbbbbbbbbb: false },
        gc_lock_holder: "",
      });
    }
    if (path === "/auth/token") {
      const who = basicUser(req);
      if (who.bad)
        return send(res, 401, { details: "incorrect username or password" }, "application/json", {
          "www-authenticate": `Basic realm="${host}"`,
        });
      const access = [];
      for (const scope of url.searchParams.getAll("scope")) {
        const type = scope.slice(0, scope.indexOf(":"));
        const name = scope.slice(scope.indexOf(":") + 1, scope.lastIndexOf(":"));
        const actions = scope.slice(scope.lastIndexOf(":") + 1).split(",");
        if (who.anonymous) continue;
        if (who.user.admin) access.push({ type, name, actions });
        else if (type === "repository" && who.user.pull.some((r) => name === `${host}/${r}`))
          access.push({ type, name, actions: actions.filter((a) => a === "pull") });
      }
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: "fake-msr", sub: who.name ?? "", aud: "dtr", exp: now + 300, nbf: now, iat: now, access };
      const token = `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(JSON.stringify(claims))}.c2ln`;
      return send(res, 200, { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() });
    }
    const feed = path.match(/^\/v2\/(?:(.+)\/)?_trust\/changefeed$/);
    if (feed) {
      const gun = feed[1] ? decodeURIComponent(feed[1]) : null;
      const scope = gun ? `repository:${gun}:pull` : "registry:catalog:*";
      // Repositories `fail/<what>` misbehave on purpose (the error-kind table of
      // crates/wasm/tests/bindings.rs): a token service on another origin, a registry that
      // refuses every token, an HTML page, no answer, or an error status (400 with notary's
      // INVALID_PARAMETERS, anything else with UNKNOWN).
      const failing = gun?.match(/\/fail\/([^/]+)$/)?.[1];
      if (failing === "foreign-realm" || failing === "reject-token") {
        const realm = failing === "foreign-realm" ? "https://auth.example.org/auth/token" : `http://${req.headers.host}/auth/token`;
        return send(res, 401, { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }, "application/json", {
          "www-authenticate": `Bearer realm="${realm}",service="dtr",scope="${scope}"`,
        });
      }
      if (failing === "html") return send(res, 200, PAGE_HTML, "text/html");
      if (failing === "slow") return;
      if (/^\d{3}$/.test(failing ?? "")) {
        const code = failing === "400" ? "INVALID_PARAMETERS" : "UNKNOWN";
        return send(res, Number(failing), { errors: [{ code, message: "failing on purpose" }] });
      }
      const claims = bearer(req);
      const [type, ...rest] = scope.split(":");
      const action = rest.pop();
      const name = rest.join(":");
      const allowed = claims?.access?.some(
        (a) => a.type === type && a.name === name && (a.actions.includes(action) || a.actions.includes("*")),
      );
      if (!allowed) {
        return send(
          res,
          401,
          { errors: [{ code: "UNAUTHORIZED", message: "authentication required", detail: [{ Type: type, Name: name, Action: action }] }] },
          "application/json",
          {
            "www-authenticate": `Bearer realm="http://${req.headers.host}/auth/token",service="dtr",scope="${scope}"${claims ? ',error="insufficient_scope"' : ""}`,
          },
        );
      }
      const recordsParam = url.searchParams.get("records");
      const changeId = url.searchParams.get("change_id") ?? "0";
      if (recordsParam === null || !/^-?\d+$/.test(recordsParam))
        return send(res, 400, { errors: [{ code: "INVALID_PARAMETERS", message: "The parameters provided are not valid.", detail: {} }] });
      let count = Number(recordsParam) || 100;
      const list = gun ? state.records.filter((r) => r.GUN === gun) : state.records;
      let page;
      if (count > 0) {
        const after = changeId === "0" ? 0 : Number(changeId);
        page = list.filter((r) => Number(r.ID) > after).slice(0, count);
      } else {
        count = -count;
        const before = changeId === "-1" ? Infinity : Number(changeId);
        const older = list.filter((r) => Number(r.ID) < before);
        page = older.slice(Math.max(0, older.length - count));
      }
      return send(res, 200, { count: page.length, records: page.length ? page : null }, "text/plain; charset=utf-8");
    }
    if (path === "/test/publish") {
      publish(Number(url.searchParams.get("n") || 1), url.searchParams.get("gun") || undefined);
      return send(res, 200, { total: state.records.length });
    }
    if (path === "/test/slow") return; // never answers
    if (path === "/test/big") return send(res, 200, "x".repeat(Number(url.searchParams.get("n") || 100000)), "text/plain");
    if (path === "/test/stream-big") {
      // No Content-Length: the cap must hold while streaming.
      res.writeHead(200, { "content-type": "text/plain" });
      const chunk = "y".repeat(16384);
      let left = Number(url.searchParams.get("n") || 100000);
      const more = () => {
        while (left > 0) {
          left -= chunk.length;
          if (!res.write(chunk)) return res.once("drain", more);
        }
        res.end();
      };
      return more();
    }
    if (path === "/test/redirect") return send(res, 302, "", "text/plain", { location: "https://sso.example.org/login" });
    if (path === "/test/html") return send(res, 200, PAGE_HTML, "text/html");
    if (path === "/test/status") return send(res, Number(url.searchParams.get("code") || 500), { errors: [{ code: "UNKNOWN", message: "boom" }] });
    if (path === "/test/echo") return send(res, 200, { authorization: req.headers.authorization ?? null, accept: req.headers.accept ?? null });
    return send(res, 404, { errors: [{ code: "NOT_FOUND", message: "not found" }] });
  });

  const listen = (server, p) =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(p, "127.0.0.1", () => resolve(server.address().port));
    });

  const mainPort = await listen(main, port);
  host = `127.0.0.1:${mainPort}`;
  publish(records);
  const origin = `http://${host}`;

  const replicaServers = [];
  const replicaOrigins = [];
  for (let i = 0; i < replicas; i++) {
    const unhealthy = i === replicas - 1 && replicas > 1;
    const server = createServer((req, res) => {
      res.setHeader("access-control-allow-origin", "*");
      if (new URL(req.url, "http://x").pathname !== "/_ping") return send(res, 404, "not found", "text/plain");
      if (unhealthy) return send(res, 503, { Error: "Rethinkdb has issues: replica down", Healthy: false });
      return send(res, 200, { Error: "", Healthy: true });
    });
    const p = await listen(server, port ? port + 1 + i : 0);
    replicaServers.push(server);
    replicaOrigins.push(`http://127.0.0.1:${p}`);
  }

  return {
    origin,
    host,
    replicaOrigins,
    state,
    publish,
    async close() {
      for (const server of [main, ...replicaServers]) {
        server.closeAllConnections?.();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] || 0);
  const fake = await startFakeMsr({ port });
  console.log(`fake-msr ready ${fake.origin} ${fake.replicaOrigins.join(" ")}`);
  const stop = async () => {
    await fake.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
