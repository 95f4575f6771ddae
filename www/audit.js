// The trust audit log page: <msr-lens-audit> (the msr-lens/audit sub-entry, the extension's
// audit view) with a small sign-in form. The credentials go to the element's connect()
// and nowhere else; the secret field is emptied once they are handed over.

import { defineAuditElement } from "./pkg/audit/index.js";

defineAuditElement();
const $ = (id) => document.getElementById(id);
const audit = $("audit");
const status = $("signin-status");
$("origin").textContent = location.origin;

$("signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = $("username").value.trim();
  const secret = $("secret").value;
  const repository = $("repository").value.trim();
  if (repository) audit.setAttribute("repository", repository);
  else audit.removeAttribute("repository");
  try {
    await audit.connect(username && secret ? { username, secret } : null);
    $("secret").value = "";
    $("signout").disabled = false;
    status.textContent = `Signed in as ${username || "anonymous"} (this tab only).`;
  } catch (error) {
    status.textContent = String(error?.message ?? error);
  }
});

$("signout").addEventListener("click", () => {
  audit.disconnect();
  $("signout").disabled = true;
  status.textContent = "Signed out.";
});
