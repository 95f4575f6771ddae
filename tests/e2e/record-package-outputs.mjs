// Record what the `msr-lens` package returns for each account type and stand-in fault,
// through the same calls the extension's background worker makes (extension/check.js),
// into tests/e2e/fixtures/package-outputs.json for the unit tests of extension/snapshot.js
// (tests/e2e/test/snapshot.test.mjs).
//
// Usage (a running stand-in and a built package, scripts/npm-build.sh):
//   node tests/e2e/record-package-outputs.mjs [out.json]
// Secrets are replaced by placeholders in the output.
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT, admin, loadStack, resetSim } from './lib.mjs';

const stack = loadStack();
if (process.env.NODE_EXTRA_CA_CERTS !== stack.ca_file) {
  // Node reads the extra CA at start-up only: run again with the stand-in's CA.
  const r = spawnSync(process.execPath, process.argv.slice(1), {
    stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: stack.ca_file },
  });
  process.exit(r.status ?? 1);
}

const { MsrClient } = await import(path.join(ROOT, 'dist/npm/msr-lens/msr_lens_node.js'));
const { clientOptions, runHealth, runTrust } = await import(path.join(ROOT, 'extension/check.js'));
const out = process.argv[2] || path.join(ROOT, 'tests/e2e/fixtures/package-outputs.json');

const closedPort = await new Promise((resolve) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
});

// name -> { instance, secret, setup (sim admin calls), twice (two health() calls) }
const scenarios = {
  admin: { user: 'admin', twice: true },
  adminScenario: {
    user: 'admin',
    setup: [['POST', '/scenario', {
      replicas: { 1: { health: 'RethinkDB replica lagging <b>badly</b>' }, 2: { readonly: true } },
      current_issues: [
        { id: 'iss-crit', critical: true, description: '<img src=x onerror="window.__xss=1">disk almost full' },
        { id: 'iss-minor', critical: false, type: 'log_write_error', description: 'table unavailable' },
      ],
      gc_running: true,
    }]],
  },
  dev: { user: 'dev' },
  nobody: { user: 'nobody', kind: 'password' },
  wrongPassword: { user: 'admin', kind: 'password', secret: 'not-the-password' },
  anonymous: { user: '' },
  htmlLogin: { user: 'admin', setup: [['POST', '/fault', { kind: 'html_login' }]] },
  statusCheckFailed: { user: 'admin', setup: [['POST', '/scenario', { status_check_failure: 'rethinkdb: connection refused' }]] },
  lb502: { user: 'admin', replicas: false, setup: [['POST', '/fault', { kind: 'status', status: 502 }]] },
  reset: { user: 'admin', replicas: false, setup: [['POST', '/fault', { kind: 'reset' }]] },
  closed: { user: 'admin', replicas: false, origin: `https://127.0.0.1:${closedPort}` },
  allReplicasDown: { user: 'admin', setup: [['POST', '/scenario', { replicas: { 0: { healthy: false }, 1: { healthy: false }, 2: { healthy: false } } }]] },
};

const placeholder = (text, secret) => (secret ? text.split(secret).join('<secret>') : text);
const recorded = {};
for (const [name, s] of Object.entries(scenarios)) {
  await resetSim(stack);
  for (const [method, p, body] of s.setup || []) await admin(stack, method, p, body);
  const kind = s.kind || 'token';
  const users = stack.users[s.user] || {};
  const secret = s.secret ?? (s.user ? (kind === 'token' ? users.token : users.password) : null);
  const instance = {
    id: name, name, origin: s.origin || stack.origin, replicas: s.replicas === false ? [] : stack.replica_origins,
    username: s.user, secretKind: kind, remember: false,
  };
  const client = new MsrClient(clientOptions(instance, secret));
  const healths = [await runHealth(client)];
  if (s.twice) {
    await new Promise((r) => setTimeout(r, 1100)); // a measurable interval for the rates
    healths.push(await runHealth(client));
  }
  const trust = await runTrust(client);
  client.free();
  recorded[name] = JSON.parse(placeholder(JSON.stringify({ instance, hasSecret: Boolean(secret), healths, trust }), secret));
  console.log(name, healths.at(-1).report.verdict, trust.error ? `trust ${trust.error.kind}` : `${trust.page.records.length} records`);
}
await resetSim(stack);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ registryHost: stack.registry_host, scenarios: recorded }, null, 1)}\n`);
console.log(`wrote ${out}`);
