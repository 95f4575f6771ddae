// Write a preconfig.json for a demo build from a running stack's stack.json:
// one instance "MSR stand-in" (admin, access token, the three replica origins).
// Usage: node tests/e2e/preconfig.mjs [stack.json] [out.json]
// DEMO ONLY: the access token is written into the file (and from there into
// chrome.storage.session, never chrome.storage.local).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, loadStack } from './lib.mjs';

if (process.argv[2]) process.env.MSR_LENS_STACK_JSON = process.argv[2];
const stack = loadStack();
const out = process.argv[3] || path.join(ROOT, '.demo/preconfig.json');
const id = 'stand-in';
const pre = {
  settings: {
    instances: [{
      id, name: 'MSR stand-in', origin: stack.origin, replicas: stack.replica_origins,
      username: 'admin', secretKind: 'token', remember: false,
    }],
    pollMinutes: 1, notifyVerdict: true, notifyDeletions: true,
  },
  secrets: { [id]: stack.users.admin.token },
};
writeFileSync(out, JSON.stringify(pre, null, 2));
console.log(out);
