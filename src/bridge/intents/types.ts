import type { Lexicon } from "../lexicon.js";

/** What a fast-path intent sees: cached facts only, never a CLI, disk or network call. */
export interface FastContext {
  agentName(): string;
  /** False when no name is configured anywhere ("your assistant"). */
  hasAgentName(): boolean;
  userName(): string | undefined;
  /** "It's 3:05 PM on Tuesday, November 26." in the user's zone. */
  spokenNow(): string;
  /** The last answer spoken on this call, if any. */
  lastAnswer(): string | undefined;
  /** What the word budget held back from the last answer, if anything. */
  moreAnswer(): string | undefined;
  /** Spoken answer about cron jobs and scheduled calls, to the question asked (cached). */
  cronSummary(normalized: string): string;
  /** Spoken summary of tasks, or of the task the question names. */
  tasksSummary(normalized: string): string;
  /** Spoken minutes left (cached account), or an apology. */
  minutesSummary(): string;
  /** What this call's deferred answer is still working on ("your question, \"…\", for about a minute"). */
  working(): string | undefined;
}

export type IntentName =
  | "identity"
  | "greeting"
  | "wellbeing"
  | "cron"
  | "tasks"
  | "goodbye"
  | "time"
  | "repeat"
  | "more"
  | "help"
  | "minutes"
  | "acknowledge"
  | "news";

export interface Intent {
  readonly name: IntentName;
  /** Whole-utterance patterns over normalised text (see normalize.ts). */
  readonly patterns: readonly RegExp[];
  /** The intent's closed vocabulary, tried when no pattern matches (src/bridge/lexicon.ts). */
  readonly lexicon?: Lexicon;
  /** Whole patterns for what is left once the agent's name is taken out, when the caller said it. */
  readonly afterName?: readonly RegExp[];
  readonly endCall?: boolean;
  /**
   * How sure the router's classifier must be to answer this intent from a guess; unset, the router's
   * MIN_CONFIDENCE (MIN_CONFIDENCE_TO_HANG_UP for an intent that ends the call).
   */
  readonly minConfidence?: number;
  /**
   * Whether this turn, said just after an answer that asked the caller something, may be the reply
   * to it ("perfect, thanks" to "shall I book it?"): then the model hears it, not this intent.
   */
  readonly mayReply?: (call: { readonly rest?: string | undefined }, normalized: string) => boolean;
  /** The spoken answer, or undefined to leave this turn to the model after all. */
  answer(ctx: FastContext, normalized: string): string | undefined;
}

/** The call's last answer asked something and this intent may be the reply: the model's turn. */
export function repliesToAQuestion(
  intent: Intent,
  call: { readonly rest?: string | undefined; readonly lastAnswer: string | undefined },
  normalized: string,
): boolean {
  const asked = call.lastAnswer?.trimEnd().endsWith("?") ?? false;
  return asked && (intent.mayReply?.(call, normalized) ?? false);
}

/** Internal. Builds an anchored, whole-utterance regex from alternatives. */
export function whole(...alternatives: string[]): RegExp {
  return new RegExp(`^(?:${alternatives.join("|")})$`);
}
