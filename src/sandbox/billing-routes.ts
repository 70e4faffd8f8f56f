/**
 * Billing (contract §3.10) without a blockchain: checkout answers like the relay; verify accepts the
 * documented sandbox signatures instead of asking Solana.
 */
import { randomUUID } from "node:crypto";
import { authed } from "./auth.js";
import type { SandboxCore } from "./core.js";
import { fail, ok } from "./flask.js";
import { minutesRemaining } from "./minutes.js";
import {
  OVERAGE_RATE_RAW,
  PRICE_RAW,
  SANDBOX_PAID_PREFIX,
  SANDBOX_UNDERPAID_PREFIX,
  SANDBOX_WALLET,
  SUBSCRIPTION_DAYS,
  TIER_LIMITS,
  USDC_MINT,
} from "./phrases.js";
import { PyFloat, pyDatetimeStr, pyIso, strField } from "./python.js";
import type { Route } from "./router.js";

type Core = SandboxCore;
const DAY_MS = 86_400_000;
const usdc = (raw: number) => new PyFloat(raw / 1_000_000);

function paidTier(s: string): "pro" | "team" | null {
  return s === "pro" || s === "team" ? s : null;
}

const checkout = authed((core, req, agent) => {
  if (!core.walletConfigured) return fail(503, "Payments not configured on this server");
  const tier = paidTier(strField(req.body(), "tier").toLowerCase());
  if (!tier) return fail(400, "tier must be 'pro' or 'team'");
  const user = core.store.userOf(agent);
  if (!user) return fail(404, "User not found");
  const overageRaw = user.overage_minutes * OVERAGE_RATE_RAW;
  const amountRaw = PRICE_RAW[tier] + overageRaw;
  const amount = amountRaw / 1_000_000;
  return ok({
    tier,
    payment: {
      chain: "solana-mainnet",
      wallet: SANDBOX_WALLET,
      token: "USDC",
      mint: USDC_MINT,
      amount: new PyFloat(amount),
      amount_raw: amountRaw,
      decimals: 6,
    },
    instructions: `Send exactly ${amount} USDC (SPL token, mint ${USDC_MINT}) to ${SANDBOX_WALLET} on Solana mainnet, then call POST /api/v1/billing/verify with {"tx_signature": "<sig>", "tier": "${tier}"}.`,
    overage: {
      minutes: user.overage_minutes,
      rate_per_min: new PyFloat(OVERAGE_RATE_RAW / 1_000_000),
      amount: usdc(overageRaw),
    },
  });
});

const verify = authed((core, req, agent) => {
  const { store } = core;
  const body = req.body();
  const sig = strField(body, "tx_signature");
  const tier = paidTier(strField(body, "tier").toLowerCase());
  if (!sig) return fail(400, "tx_signature is required");
  if (!tier) return fail(400, "tier must be 'pro' or 'team'");
  if (store.t.payments.some((p) => p.tx_signature === sig && p.status === "confirmed")) {
    return fail(409, "Transaction already used");
  }
  const user = store.userOf(agent);
  if (!user) return fail(404, "User not found");
  const now = core.now();
  const failed = (error: string) => {
    if (!store.t.payments.some((p) => p.tx_signature === sig)) {
      store.t.payments.push({
        id: randomUUID(),
        user_id: user.id,
        tx_signature: sig,
        tier,
        amount_raw: 0,
        status: "failed",
        confirmed_at: null,
        valid_until: null,
        created_at: now,
      });
      store.changed();
    }
    return fail(402, error);
  };
  if (sig.startsWith(SANDBOX_UNDERPAID_PREFIX)) {
    const expected = (PRICE_RAW[tier] / 1_000_000).toFixed(2);
    return failed(`Insufficient amount: received 1.00 USDC, expected ${expected} USDC.`);
  }
  if (!sig.startsWith(SANDBOX_PAID_PREFIX)) return failed("Transaction not found or not yet confirmed");
  const validUntil = now + SUBSCRIPTION_DAYS * DAY_MS;
  user.tier = tier;
  user.minutes_limit = TIER_LIMITS[tier];
  user.overage_minutes = 0;
  user.subscription_valid_until = validUntil;
  const existing = store.t.payments.find((p) => p.tx_signature === sig);
  const row = {
    id: existing?.id ?? randomUUID(),
    user_id: user.id,
    tx_signature: sig,
    tier,
    amount_raw: PRICE_RAW[tier],
    status: "confirmed" as const,
    confirmed_at: now,
    valid_until: validUntil,
    created_at: existing?.created_at ?? now,
  };
  if (existing) Object.assign(existing, row);
  else store.t.payments.push(row);
  store.changed();
  const name = tier === "pro" ? "Pro" : "Team";
  return ok({
    tier,
    token: "USDC",
    chain: "solana-mainnet",
    amount_paid: usdc(PRICE_RAW[tier]),
    minutes_limit: TIER_LIMITS[tier],
    valid_until: pyIso(validUntil),
    message: `Upgraded to ${name}! Valid until ${new Date(validUntil).toISOString().slice(0, 10)}.`,
  });
});

const status = authed((core, _req, agent) => {
  const user = core.store.userOf(agent);
  if (!user) return fail(404, "User not found");
  const now = core.now();
  const until = user.subscription_valid_until;
  const payments = core.store.t.payments
    .filter((p) => p.user_id === user.id && p.status === "confirmed")
    .sort((a, b) => (b.confirmed_at ?? 0) - (a.confirmed_at ?? 0))
    .slice(0, 10)
    .map((p) => ({
      tier: p.tier,
      amount: usdc(p.amount_raw),
      status: p.status,
      confirmed_at: p.confirmed_at === null ? null : pyIso(p.confirmed_at),
      valid_until: p.valid_until === null ? null : pyIso(p.valid_until),
      tx: p.tx_signature,
    }));
  return ok({
    tier: user.tier,
    minutes_used: user.minutes_used_this_month,
    minutes_limit: user.minutes_limit,
    minutes_remaining: minutesRemaining(user),
    subscription_valid_until: until === null ? null : pyIso(until),
    days_remaining: until === null ? null : Math.max(0, Math.floor((until - now) / DAY_MS)),
    accepted_tokens: ["USDC"],
    chain: "solana-mainnet",
    payments,
    overage_minutes: user.overage_minutes,
    overage_owed_usdc: usdc(user.overage_minutes * OVERAGE_RATE_RAW),
  });
});

const cancel = authed((core, _req, agent) => {
  const user = core.store.userOf(agent);
  if (!user) return fail(404, "User not found");
  user.subscription_auto_renew = false;
  core.store.changed();
  const until =
    user.subscription_valid_until === null ? "None" : pyDatetimeStr(user.subscription_valid_until);
  return ok({ message: `Auto-renew cancelled. Plan stays active until ${until}.` });
});

export const billingRoutes: readonly Route<Core>[] = [
  { re: /^\/api\/v1\/billing\/checkout$/, endpoint: "billing", methods: { POST: checkout } },
  { re: /^\/api\/v1\/billing\/verify$/, endpoint: "billing", methods: { POST: verify } },
  { re: /^\/api\/v1\/billing\/status$/, endpoint: "billing", methods: { GET: status } },
  { re: /^\/api\/v1\/billing\/cancel$/, endpoint: "billing", methods: { POST: cancel } },
];
