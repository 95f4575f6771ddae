// The MSR Lens page: health (the <msr-lens-health> element) and the latest trust events,
// live. Served from MSR's own origin (see README.md), so the package calls MSR directly.
// Server text is only ever rendered with textContent.

import { MsrClient, ready } from "./msr-lens-health.js";

const $ = (id) => document.getElementById(id);
const health = $("health");
const status = $("events-status");
const table = $("events");
const body = table.querySelector("tbody");
const MAX_ROWS = 200;

let client = null;
let live = null;

$("origin").textContent = location.origin;

function row(record, fresh) {
  const tr = document.createElement("tr");
  tr.className = [record.category, fresh ? "fresh" : ""].join(" ").trim();
  const when = record.createdAt === null ? record.createdAtRaw : new Date(record.createdAt).toLocaleString();
  for (const [text, className] of [
    [when],
    [record.gun],
    [record.category],
    [String(record.version)],
    [record.sha256 ?? "—", "sha"],
  ]) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    tr.append(td);
  }
  return tr;
}

function show(text, error = false) {
  status.textContent = text;
  status.classList.toggle("error", error);
}

function describe(error) {
  const hint = {
    noAccess: "these credentials may not read this audit log (the global log is for MSR admins; pick a repository)",
    unauthenticated: "MSR refused these credentials",
    network: "MSR could not be reached",
  }[error?.kind];
  const message = error?.message ?? String(error);
  return `${error?.kind ?? "error"}: ${hint ? `${hint} (${message})` : message}`;
}

async function followLive(options) {
  live = client.follow({ ...options, from: "latest", pollIntervalMs: 15000 });
  // The first page of a follow is the latest page, already shown.
  let first = true;
  try {
    for (let page = await live.nextPage(); page; page = await live.nextPage()) {
      if (first) {
        first = false;
        continue;
      }
      for (const record of page.records) body.prepend(row(record, true));
      while (body.rows.length > MAX_ROWS) body.lastElementChild.remove();
      show(`${body.rows.length} latest events; following live.`);
    }
  } catch (error) {
    show(describe(error), true);
  }
}

async function load(event) {
  event?.preventDefault();
  const username = $("username").value.trim();
  const secret = $("secret").value;
  const repository = $("repository").value.trim();
  live?.close();
  client?.free();
  await ready;
  const credentials = username && secret ? { username, secret } : null;
  health.credentials = credentials;
  client = new MsrClient({ baseUrl: location.origin, ...(credentials ?? {}) });
  const options = repository ? { repository } : {};
  show("Loading…");
  try {
    const page = await client.changefeed({ ...options, from: "latest", pageSize: 25 }).nextPage();
    const records = page ? [...page.records].reverse() : [];
    body.replaceChildren(...records.map((r) => row(r, false)));
    table.hidden = records.length === 0;
    show(records.length ? `${records.length} latest events; following live.` : "No trust events yet.");
    followLive(options);
  } catch (error) {
    table.hidden = true;
    show(describe(error), true);
  }
}

$("signin").addEventListener("submit", load);
