/**
 * `GET /`: the softphone page (src/sandbox/softphone/page.ts), a self-contained HTML file that plays
 * the human side of a call through the simulation API.
 */
import { softphonePage } from "./softphone/page.js";

export function renderHomePage(info: { apiUrl: string; demoKey: string }): string {
  return softphonePage({ demoKey: info.demoKey, apiUrl: info.apiUrl });
}
