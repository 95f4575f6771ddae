// The browser/worker build: initialise once with the default export.
import init, { MsrClient, type PingVerdict } from "msr-lens/web";

export async function ping(url: string): Promise<PingVerdict> {
  await init();
  return new MsrClient({ baseUrl: url }).ping();
}
