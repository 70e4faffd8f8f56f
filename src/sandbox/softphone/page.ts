/**
 * Serves the sandbox softphone: `web/page.html` at `GET /` with the server's values in its JSON
 * config block, and the page's scripts and stylesheets (`web/*.js`, `web/*.css`) at `/softphone/…`.
 * The browser files are plain ES modules, linted by Biome and type-checked against the DOM library
 * (`web/tsconfig.json`); the build copies them to `dist/` unchanged, so the page served from `src/`
 * (tests) and from `dist/` (the CLI) is the same.
 */
import { readdirSync, readFileSync } from "node:fs";
import { extname } from "node:path";
import { SANDBOX_DEMO_API_KEY } from "../../config/schema.js";
import type { Reply } from "../flask.js";
import { DEMO_EMAIL, DEMO_PHONE, SHARED_NUMBER } from "../phrases.js";

export interface SoftphonePageOptions {
  /** Key the page uses for relay endpoints (schedules, third-party calls, account). */
  demoKey?: string;
  demoEmail?: string;
  /** The demo user's phone: the caller ID of dialled calls. */
  fromNumber?: string;
  /** The number dialled (the shared pool number). */
  toNumber?: string;
  /** The sandbox's base URL. */
  apiUrl?: string;
}

/** Where page.html's scripts and stylesheets are served from. */
export const SOFTPHONE_ASSET_PREFIX = "/softphone/";

const WEB_DIR = new URL("./web/", import.meta.url);
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};
/** page.html's empty config block; the served page carries the server's values in it. */
const CONFIG_SLOT = '<script id="softphone-config" type="application/json">{}</script>';
const CSP_META = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/;

interface WebFiles {
  /** page.html split around its config block. */
  before: string;
  after: string;
  /** The page's policy, as its meta tag states it (one source for the tag and the header). */
  csp: string;
  /** Served files by name (`page.js`), with their content types. */
  assets: Map<string, { type: string; body: string }>;
}

let files: WebFiles | undefined;

/** Reads the page's files once; a malformed page.html fails here rather than in a browser. */
function webFiles(): WebFiles {
  if (files) return files;
  const html = readFileSync(new URL("page.html", WEB_DIR), "utf8");
  const parts = html.split(CONFIG_SLOT);
  const csp = CSP_META.exec(html)?.[1];
  if (parts.length !== 2 || !csp) {
    throw new Error("softphone page.html needs exactly one empty config block and a CSP meta tag");
  }
  const assets = new Map<string, { type: string; body: string }>();
  for (const name of readdirSync(WEB_DIR)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) assets.set(name, { type, body: readFileSync(new URL(name, WEB_DIR), "utf8") });
  }
  files = { before: parts[0]!, after: parts[1]!, csp, assets };
  return files;
}

/** JSON for a `<script type="application/json">` block: nothing in it can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** The complete page. */
export function softphonePage(opts: SoftphonePageOptions = {}): string {
  const cfg = {
    demoKey: opts.demoKey ?? SANDBOX_DEMO_API_KEY,
    demoEmail: opts.demoEmail ?? DEMO_EMAIL,
    fromNumber: opts.fromNumber ?? DEMO_PHONE,
    toNumber: opts.toNumber ?? SHARED_NUMBER,
    apiUrl: opts.apiUrl ?? "",
  };
  const { before, after } = webFiles();
  return `${before}<script id="softphone-config" type="application/json">${scriptJson(cfg)}</script>${after}`;
}

const COMMON_HEADERS = { "cache-control": "no-cache", "x-content-type-options": "nosniff" };

/** `GET /`: the page, under its own policy (sent as a header too, where `frame-ancestors` works). */
export function softphonePageReply(opts: SoftphonePageOptions = {}): Reply {
  const body = softphonePage(opts);
  return {
    status: 200,
    headers: {
      ...COMMON_HEADERS,
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": `${webFiles().csp}; frame-ancestors 'none'`,
    },
    body,
  };
}

/** `GET /softphone/<name>.js|.css`: one of the page's files, or undefined for any other path. */
export function softphoneAssetReply(pathname: string): Reply | undefined {
  if (!pathname.startsWith(SOFTPHONE_ASSET_PREFIX)) return undefined;
  const asset = webFiles().assets.get(pathname.slice(SOFTPHONE_ASSET_PREFIX.length));
  if (!asset) return undefined;
  return { status: 200, headers: { ...COMMON_HEADERS, "content-type": asset.type }, body: asset.body };
}
