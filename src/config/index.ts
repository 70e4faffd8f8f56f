export { loadConfig, loadConfigOrExit, readDotEnv, reportConfigError } from "./load.js";
export type { Config, ModelMode } from "./schema.js";
export { LIVE_RELAY_URL, SANDBOX_DEMO_API_KEY } from "./schema.js";
