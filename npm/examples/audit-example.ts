// The audit element (msr-lens/audit): register it, then connect with credentials kept in memory.
import { defineAuditElement, MsrLensAuditElement, type AuditCredentials } from "msr-lens/audit";

export async function showAudit(credentials: AuditCredentials): Promise<boolean> {
  const Element: typeof MsrLensAuditElement = defineAuditElement({ wasm: "/assets/msr_lens_audit_bg.wasm" });
  const audit = document.querySelector<MsrLensAuditElement>("msr-lens-audit") ?? new Element();
  audit.setAttribute("repository", "library/nginx");
  await audit.connect({ ...credentials, secretKind: "password" });
  const origin: string = audit.baseUrl;
  audit.disconnect();
  return audit.connected && origin.length > 0;
}
