/** Fixed phrases, voices and tiers of the real relay (contract §1.1, §5.1, §6). */

export const GREETING = "Hello! How can I help you today?";
export const DIDNT_CATCH = "I didn't catch that. Could you say it again?";
export const STILL_THERE = "Are you still there?";
export const NOT_ACTIVE = "Sorry, this number is not currently active. Goodbye.";
export const NOT_REGISTERED =
  "Sorry, your number is not registered with ClawCall. Please set up your account and try again. Goodbye.";
export const NO_AGENT = "Sorry, no agent found for your account. Goodbye.";
export const LIMIT_REACHED =
  "You've reached your monthly call limit on ClawCall. Please upgrade your plan to continue. Goodbye.";
export const SOMETHING_WRONG = "Something went wrong. Goodbye.";
export const CALLBACK_GONE = "This callback is no longer available. Goodbye.";
export const SCHEDULE_GONE = "This scheduled call is no longer active. Goodbye.";

export const FILLER_PHRASES = [
  "On it, give me a second.",
  "Working on that now.",
  "Let me check that for you.",
  "One moment please.",
  "Looking into that.",
  "Just a sec.",
] as const;

export const DEFAULT_VOICE = "Polly.Aria-Neural";

export const POLLY_VOICES: Readonly<Record<string, string>> = {
  aria: "Polly.Aria-Neural",
  joanna: "Polly.Joanna-Neural",
  matthew: "Polly.Matthew-Neural",
  amy: "Polly.Amy-Neural",
  brian: "Polly.Brian-Neural",
  emma: "Polly.Emma-Neural",
  olivia: "Polly.Olivia-Neural",
};

export type Tier = "free" | "pro" | "team";

export const TIER_LIMITS: Readonly<Record<Tier, number>> = { free: 10, pro: 120, team: 500 };
export const OVERAGE_CAP = 5;
export const PRICE_RAW: Readonly<Record<"pro" | "team", number>> = { pro: 9_000_000, team: 29_000_000 };
export const OVERAGE_RATE_RAW = 50_000;
export const SUBSCRIPTION_DAYS = 30;
export const USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";

/** The seeded sandbox account (documented in references/sandbox-differences.md). */
export const DEMO_EMAIL = "demo@sandbox.clawcall.local";
export const DEMO_PHONE = "+15555550100";
export const SHARED_NUMBER = "+15555550123";
export const DEMO_USER_ID = "00000000-0000-4000-8000-0000000d3e01";
export const DEMO_AGENT_ID = "00000000-0000-4000-8000-0000000d3e02";
export const SHARED_NUMBER_ID = "00000000-0000-4000-8000-0000000d3e03";
/** Receiving wallet the sandbox pretends to have configured (no real chain is ever contacted). */
export const SANDBOX_WALLET = "SandboxWa11et1111111111111111111111111111111";
/** `POST /api/v1/billing/verify` accepts signatures with this prefix as a confirmed payment. */
export const SANDBOX_PAID_PREFIX = "sandbox-paid-";
/** Signatures with this prefix fail verification as underpaid (402), for client tests. */
export const SANDBOX_UNDERPAID_PREFIX = "sandbox-underpaid-";
