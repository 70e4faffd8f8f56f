import type { CommandContext } from "../command.js";
import { clean, day, json, rows, usdc } from "../format.js";
import { type CommandHelpers, parseCommandArgs, runSubcommands } from "../relay-command.js";
import { usageError } from "../validate.js";

export const summary =
  "upgrade with USDC on Solana: checkout <pro|team> | verify <signature> <tier> | status | cancel";
export const usage = `Usage:
  clawcall billing checkout <pro|team> [--json]          what to pay, and where
  clawcall billing verify <tx-signature> <pro|team> [--json]   upgrade after paying
  clawcall billing status [--json]                       tier, minutes, validity, payments
  clawcall billing cancel [--json]                       turn off auto-renew (nothing renews anyway)

Pro is 9 USDC and Team 29 USDC for 30 days, paid on Solana mainnet; overage owed is added at
checkout. After sending, verify with the transaction signature.

Examples:
  clawcall billing checkout pro
  clawcall billing verify 5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW pro`;

function tierArg(v: string | undefined): "pro" | "team" {
  const t = (v ?? "").trim().toLowerCase();
  if (t !== "pro" && t !== "team")
    throw usageError(`the tier must be pro or team (got "${clean(v ?? "", 20)}")`);
  return t;
}

function args(argv: string[]) {
  return parseCommandArgs({ args: argv, options: { json: { type: "boolean", default: false } } });
}

async function checkout(argv: string[], ctx: CommandContext, h: CommandHelpers): Promise<number> {
  const { values, positionals } = args(argv);
  if (positionals.length !== 1) throw usageError("say which tier: clawcall billing checkout pro (or team)");
  const tier = tierArg(positionals[0]);
  const res = await h.relay().billingCheckout(tier);
  if (values.json) {
    ctx.out(json(res));
    return 0;
  }
  const p = res.payment;
  const exact = p.amount_raw / 10 ** p.decimals;
  ctx.out(
    `To upgrade to ${tier === "pro" ? "Pro" : "Team"}, send exactly ${usdc(exact)} ${clean(p.token, 10)} on ${clean(p.chain, 30)}:`,
  );
  for (const line of rows([
    ["to wallet", clean(p.wallet, 60)],
    ["token mint", clean(p.mint, 60)],
    ["amount", `${usdc(exact)} ${clean(p.token, 10)} (${p.amount_raw} base units, ${p.decimals} decimals)`],
  ])) {
    ctx.out(`  ${line}`);
  }
  if (res.overage && res.overage.minutes > 0) {
    ctx.out(
      `  includes overage: ${res.overage.minutes} min × ${usdc(res.overage.rate_per_min)} = ${usdc(res.overage.amount)} USDC`,
    );
  }
  ctx.out(`Then run: clawcall billing verify <tx-signature> ${tier}`);
  return 0;
}

async function verify(argv: string[], ctx: CommandContext, h: CommandHelpers): Promise<number> {
  const { values, positionals } = args(argv);
  if (positionals.length !== 2) {
    throw usageError("give the transaction signature and the tier: clawcall billing verify <signature> pro");
  }
  const sig = positionals[0]!.trim();
  if (!/^[1-9A-HJ-NP-Za-km-z]{32,100}$/.test(sig) && !/^[\w-]{1,120}$/.test(sig)) {
    throw usageError("that does not look like a transaction signature");
  }
  const tier = tierArg(positionals[1]);
  const res = await h.relay().billingVerify(sig, tier);
  if (values.json) {
    ctx.out(json(res));
    return 0;
  }
  ctx.out(clean(res.message, 200));
  ctx.out(
    `Tier ${clean(res.tier, 10)}: ${res.minutes_limit} minutes a month, valid until ${day(res.valid_until)}.`,
  );
  return 0;
}

async function status(argv: string[], ctx: CommandContext, h: CommandHelpers): Promise<number> {
  const { values, positionals } = args(argv);
  if (positionals.length > 0) throw usageError(`unexpected argument "${clean(positionals[0], 40)}"`);
  const st = await h.relay().billingStatus();
  if (values.json) {
    ctx.out(json(st));
    return 0;
  }
  const validity = st.subscription_valid_until
    ? `valid until ${day(st.subscription_valid_until)}${st.days_remaining === null ? "" : ` (${st.days_remaining} days left)`}`
    : "no subscription";
  const overage =
    st.overage_minutes !== undefined && st.overage_minutes > 0
      ? `; overage ${st.overage_minutes} min (${usdc(st.overage_owed_usdc ?? 0)} USDC owed, paid with the next checkout)`
      : "";
  const out: [string, string][] = [
    ["Tier", `${clean(st.tier, 10)} — ${validity}`],
    ["Minutes", `${st.minutes_used} of ${st.minutes_limit} used, ${st.minutes_remaining} left${overage}`],
  ];
  const payments = (st.payments ?? []) as Record<string, unknown>[];
  if (payments.length === 0) out.push(["Payments", "none"]);
  for (const [i, p] of payments.entries()) {
    const amount = typeof p.amount === "number" ? `${usdc(p.amount)} USDC` : "";
    const tx = typeof p.tx === "string" ? `tx ${clean(p.tx, 24)}${p.tx.length > 24 ? "…" : ""}` : "";
    out.push([
      i === 0 ? "Payments" : "",
      [day(p.confirmed_at as string | undefined), clean(p.tier, 10), amount, clean(p.status, 12), tx]
        .filter(Boolean)
        .join("  "),
    ]);
  }
  for (const line of rows(out)) ctx.out(line);
  return 0;
}

async function cancel(argv: string[], ctx: CommandContext, h: CommandHelpers): Promise<number> {
  const { values, positionals } = args(argv);
  if (positionals.length > 0) throw usageError(`unexpected argument "${clean(positionals[0], 40)}"`);
  const res = await h.relay().billingCancel();
  ctx.out(values.json ? json(res) : clean(res.message, 200));
  return 0;
}

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  return runSubcommands(ctx, "billing", argv, { checkout, verify, status, cancel });
}
