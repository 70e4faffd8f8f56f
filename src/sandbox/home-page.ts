/**
 * `GET /` and `/softphone/…`: the softphone page (src/sandbox/softphone/web/), which plays the human
 * side of a call through the simulation API, and its scripts and stylesheets.
 */
import type { Reply } from "./flask.js";
import { softphoneAssetReply, softphonePageReply } from "./softphone/page.js";

/** The page or one of its files for GET/HEAD, else undefined (the relay answers the request). */
export function homeRoute(
  method: string,
  pathname: string,
  info: () => { apiUrl: string; demoKey: string },
): Reply | undefined {
  if (method !== "GET" && method !== "HEAD") return undefined;
  if (pathname === "/") return softphonePageReply(info());
  return softphoneAssetReply(pathname);
}
