import { join } from "node:path";
import { type Config, LIVE_RELAY_URL, loadConfig } from "../../config/index.js";
import type { RegisterResponse } from "../../relay/schemas.js";
import { writeOwnerPhone } from "../../state/owner-phone.js";
import type { CommandContext } from "../command.js";
import { saveKeyFile } from "../env-file.js";
import { clean, json } from "../format.js";
import { ask } from "../prompt.js";
import { type CommandHelpers, isSandboxUrl, parseCommandArgs, runRelayCommand } from "../relay-command.js";
import { checkEmail, normalizeE164, usageError } from "../validate.js";

export const summary = "get a phone number for your agent (or a new API key: --email of your account)";
export const usage = `Usage: clawcall register [--phone +14155550100] [--email you@example.com] [--name "My Agent"]
                         [--show-key] [--json] [--sandbox] [--force]

Registers with the ClawCall relay and saves CLAWCALL_API_KEY and CLAWCALL_EMAIL to .env in the
current directory (mode 600; other lines are kept). Prints the number to call.

  --phone    your own phone in E.164 (+, country code, number). The free tier only accepts calls
             from this number. Asked for when missing and the terminal is interactive.
  --email    your account email. For an existing account this issues a NEW key and the old one
             stops working at once: the way to recover a lost key.
  --name     the agent's name (new accounts only; default "My Agent").
  --show-key print the API key (it is never printed otherwise).
  --json     print the relay's answer as JSON (api_key removed unless --show-key).
  --sandbox  register with the local sandbox relay instead of ${LIVE_RELAY_URL}.
  --force    register a new account even though .env already has a key.

Examples:
  clawcall register --phone +14155550100 --email me@example.com
  clawcall register --email me@example.com            # lost key: issue a new one`;

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  return runRelayCommand(ctx, "register", (h) => register(argv, ctx, h));
}

async function register(argv: string[], ctx: CommandContext, h: CommandHelpers): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    options: {
      phone: { type: "string" },
      email: { type: "string" },
      name: { type: "string" },
      "show-key": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      sandbox: { type: "boolean", default: false },
      force: { type: "boolean", default: false },
    },
  });
  if (positionals.length > 0) throw usageError(`unexpected argument "${clean(positionals[0], 40)}"`);
  const config = h.config();
  const email = values.email === undefined ? undefined : checkEmail(values.email);
  const interactive = process.stdin.isTTY === true && !values.json;
  const phone = await resolvePhone(values.phone, email, interactive);
  checkMayRegister(config, phone, email, values.force);

  // With no key and no CLAWCALL_API_URL the configured relay is the sandbox: registering is the
  // way to the real relay, unless --sandbox says otherwise. A URL the user set is always used.
  const implicitSandbox = isSandboxUrl(config);
  const apiUrl = implicitSandbox && !values.sandbox ? LIVE_RELAY_URL : config.relay.apiUrl;
  const client = h.relay({ apiUrl, apiKey: "" });
  const res = await client.register({
    ...(email !== undefined ? { email } : {}),
    ...(phone !== undefined ? { phone_number: phone } : {}),
    ...(values.name !== undefined ? { agent_name: values.name } : {}),
  });
  const rotated = res.email === undefined || /^re-registered/i.test(res.message);
  const accountEmail = res.email ?? email;

  const envPath = join(ctx.cwd, ".env");
  const updates: Record<string, string> = { CLAWCALL_API_KEY: res.api_key };
  if (accountEmail) updates.CLAWCALL_EMAIL = accountEmail;
  // A key from the sandbox is only good there: pin the URL so later commands go to the same relay.
  if (implicitSandbox && values.sandbox) updates.CLAWCALL_API_URL = apiUrl;
  if (!saveKeyFile(ctx, "register", envPath, updates, res.api_key)) return 1;
  // The bridge tells its owner's calls from guests' by this number (src/bridge/caller-check.ts).
  if (phone !== undefined) writeOwnerPhone(config.stateDir, phone);

  // Real environment variables win over .env: warn if the new key is shadowed.
  let shadowed = false;
  try {
    shadowed = loadConfig({ env: ctx.env, cwd: ctx.cwd }).relay.apiKey !== res.api_key;
  } catch {}

  if (values.json) {
    const { api_key, ...rest } = res;
    ctx.out(json(values["show-key"] ? res : { ...rest, api_key: "(saved to .env)" }));
    void api_key;
    if (shadowed)
      ctx.err(
        "note: CLAWCALL_API_KEY is also set in the environment and wins over .env — update or unset it.",
      );
    return 0;
  }
  printRegistered(ctx, {
    res,
    rotated,
    accountEmail,
    email,
    phone,
    envPath,
    updates,
    showKey: values["show-key"],
    shadowed,
  });
  return 0;
}

/** The phone from --phone, or asked for on a terminal; undefined when neither gave one. */
async function resolvePhone(
  given: string | undefined,
  email: string | undefined,
  interactive: boolean,
): Promise<string | undefined> {
  let phone = given === undefined ? undefined : normalizeE164(given, "--phone");
  if (phone === undefined && interactive) {
    const answer = await ask(
      email
        ? "Your phone number in E.164, e.g. +14155550100 (Enter keeps the one on the account): "
        : "Your phone number in E.164, e.g. +14155550100 (you will call your agent from it): ",
    );
    if (answer !== "") phone = normalizeE164(answer, "phone number");
  }
  return phone;
}

/** Usage errors for a registration that would lose something: no phone for a new account, or a key here. */
function checkMayRegister(
  config: Config,
  phone: string | undefined,
  email: string | undefined,
  force: boolean,
): void {
  if (phone === undefined && email === undefined) {
    throw usageError(
      "--phone is required for a new account (your own number in E.164, e.g. +14155550100: the relay only accepts calls from it); to get a new key for an existing account pass --email",
    );
  }
  if (!config.relay.sandbox && email === undefined && !force) {
    throw usageError(
      `this directory already has CLAWCALL_API_KEY — to get a new key for the same account run \`clawcall register --email ${config.relay.email ?? "<you>"}\`; to create another account anyway add --force`,
    );
  }
}

interface Registered {
  res: RegisterResponse;
  rotated: boolean;
  accountEmail: string | undefined;
  email: string | undefined;
  phone: string | undefined;
  envPath: string;
  updates: Record<string, string>;
  showKey: boolean;
  shadowed: boolean;
}

/** The human-readable outcome: account, what was saved, the number to call and the next step. */
function printRegistered(ctx: CommandContext, r: Registered): void {
  const { res, rotated, accountEmail, email, phone, updates } = r;
  const number = res.phone_number ? clean(res.phone_number, 20) : undefined;
  if (rotated) {
    ctx.out(
      `Re-registered ${accountEmail ?? "your account"} (${clean(res.tier, 10)} tier): a new API key was issued and the old one no longer works.`,
    );
  } else {
    ctx.out(`Registered ${accountEmail} with ClawCall (${clean(res.tier, 10)} tier).`);
    if (email === undefined) {
      ctx.out(
        `No --email given: the relay made up ${accountEmail}. It is how you recover the key later — keep it.`,
      );
    }
  }
  ctx.out(
    `Saved CLAWCALL_API_KEY${updates.CLAWCALL_EMAIL ? " and CLAWCALL_EMAIL" : ""}${updates.CLAWCALL_API_URL ? " and CLAWCALL_API_URL" : ""} to ${r.envPath} (mode 600).`,
  );
  if (r.showKey) ctx.out(`API key: ${res.api_key}`);
  if (number) {
    const from = phone ? `from ${phone}` : "from the phone you registered";
    ctx.out(`Your agent's number: ${number} — call it ${from} (the relay knows you by caller ID).`);
  } else {
    ctx.out(
      "The relay has no phone number to give out yet (phone_number is null); try `clawcall account` later.",
    );
  }
  if (phone === undefined && !rotated) {
    ctx.out(
      "No phone registered: set one with `clawcall account --set-phone +14155550100` to be able to call.",
    );
  }
  if (r.shadowed) {
    ctx.out(
      "Note: CLAWCALL_API_KEY is also set in your environment and wins over .env — update or unset it.",
    );
  }
  ctx.out("Next: run `clawcall up` to start the bridge and listener, then call the number.");
}
