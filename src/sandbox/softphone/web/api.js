// @ts-check
/** HTTP to the sandbox that serves the page: the simulation API (no key) and the relay API (the demo key). */

/** A failed request, with the HTTP status the sandbox answered. */
export class HttpError extends Error {
  /** @param {string} message @param {number} status */
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/**
 * Parsed JSON of a successful answer (`{}` when the body is not JSON); callers declare the shape
 * they read. A non-2xx status or `{"ok": false}` rejects with the server's error text.
 * @param {string} method
 * @param {string} path
 * @param {unknown} body
 * @param {string | null} key
 * @returns {Promise<any>}
 */
async function call(method, path, body, key) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers.Authorization = `Bearer ${key}`;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  const txt = await res.text();
  let data = null;
  try {
    data = JSON.parse(txt);
  } catch {
    data = null;
  }
  if (!res.ok || data?.ok === false) {
    const msg = data?.error || data?.message || `HTTP ${res.status} from ${path}`;
    throw new HttpError(String(msg), res.status);
  }
  return data || {};
}

/** @param {string} demoKey The key for relay endpoints (schedules, third-party calls, account). */
export function makeApi(demoKey) {
  return {
    /** The simulation API, under `/sandbox`. @param {string} method @param {string} path @param {unknown} [body] */
    sim: (method, path, body) => call(method, `/sandbox${path}`, body, null),
    /** The relay API, under `/api/v1`, with the demo key. @param {string} method @param {string} path @param {unknown} [body] */
    relay: (method, path, body) => call(method, `/api/v1${path}`, body, demoKey),
  };
}
