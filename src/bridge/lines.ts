/**
 * Every sentence the bridge speaks on its own (not the model's, not a fast-path intent's answer),
 * each written once. Inputs that came from elsewhere are shaped as fragments (src/speech) and clipped here.
 */

import { clip, countWords, fragment, quoted, sentence, splitSentences } from "../speech/index.js";
import type { TaskRecord } from "./task-registry.js";

/** Who is talking to whom. */
export interface Names {
  agentName: string;
  userName: string | undefined;
}

/** "Hi Sam, it's Pinchy" (no name when the user's is unknown). */
export function hello(n: Names): string {
  return `Hi${n.userName ? ` ${n.userName}` : ""}, it's ${n.agentName}`;
}

/** A spoken text, then something more after it. */
export function withPrefix(prefix: string | undefined, text: string): string {
  return prefix ? `${sentence(prefix)} ${text}` : text;
}

export const DIDNT_CATCH = "Sorry, I didn't catch that. Could you say it again?";
/** A reply that had nothing speakable left once shaped (never expected; never silence either). */
export const NOTHING_TO_SAY = "Sorry, I lost my words there. Could you ask me again?";
/** "Go on" with nothing held back. */
export const NOTHING_MORE = "That's all I have on that. What else can I do for you?";
export const UNREADABLE_NOTIFICATION = "I couldn't read that notification.";

/** What the phone still answers without a model (the fast path's owner intents). */
export const STILL_CAN =
  "I can still tell you the time, your scheduled jobs, your tasks and your minutes left.";

/**
 * When no model answers. `off`: there is none. `unreachable`: the model server cannot be reached
 * (said plainly, so the caller does not keep asking). Otherwise a passing failure (busy, a slow or
 * bad reply): try again.
 */
export function modelFallback(why: "off" | "unreachable" | "failed"): string {
  if (why === "off") {
    return "On the phone I can only answer simple things right now: the time, your scheduled jobs, your tasks and your minutes.";
  }
  if (why === "unreachable")
    return `I can't reach my main brain right now, so I can't answer that. ${STILL_CAN}`;
  return "Sorry, I can't look into that right now. Please try again in a little while.";
}

/** The holding line when the model passes the phone deadline. */
export function holding(callbackAllowed: boolean): string {
  return callbackAllowed
    ? "That one is taking me longer than I'd like. I'll keep working on it and call you back with the answer, or tell you next time we talk."
    : "That one is taking me longer than I'd like. I'll keep working on it and tell you the answer as soon as we talk next.";
}

/** What the user hears in a call and in a callback: the same news, worded for each. */
export interface News {
  inCall: string;
  callback: string;
}

/** A late answer to a question the caller asked earlier. */
export function lateAnswer(n: Names, question: string, answer: string): News {
  const about = fragment(question, 120);
  return {
    inCall: `About your earlier question, "${about}": ${answer}`,
    callback: `${hello(n)} with the answer to your question, "${about}". ${answer}`,
  };
}

/** A late answer told while the caller's new question is still being worked on. */
export function newsWhileWorking(inCall: string): string {
  return `${sentence(inCall)} I'm still working on what you just asked, and I'll tell you as soon as I have it.`;
}

/** Points at a late answer waiting to be told, after the answer to something else. */
export function newsWaiting(d: { reason: string; topic?: string | undefined }): string {
  const about = d.topic ? ` about "${fragment(d.topic, 80)}"` : "";
  const what =
    d.reason === "deferred_answer" ? `the answer to your earlier question${about}` : `news for you${about}`;
  return `I also have ${what}. Say "tell me" to hear it.`;
}

/** What a deferred answer is still working on, and for how long ("your question, \"…\", for about 40 seconds"). */
export function stillWorking(question: string, forMs: number): string {
  const s = Math.max(1, Math.round(forMs / 1000));
  const dur =
    s < 60
      ? `${s} second${s === 1 ? "" : "s"}`
      : `${Math.round(s / 60)} minute${Math.round(s / 60) === 1 ? "" : "s"}`;
  return `your question, "${fragment(question, 80)}", for about ${dur} now`;
}

/** A late answer that never came: the promise behind the holding line is kept with an apology. */
export function lateFailure(n: Names, question: string): News {
  const about = fragment(question, 120);
  return {
    inCall: `About your earlier question, "${about}": I'm sorry, I couldn't get that answer, so please ask me again.`,
    callback: `${hello(n)}, and I'm sorry: I couldn't get the answer to your question, "${about}", so please ask me again.`,
  };
}

/** A finished task the user asked to hear about. */
export function taskFinished(n: Names, t: Pick<TaskRecord, "title" | "status" | "result">): News {
  const title = fragment(t.title, 100);
  const result = t.result ? ` ${sentence(fragment(t.result, 300))}` : "";
  const outcome =
    t.status === "done"
      ? `${title} is done.${result}`
      : t.status === "failed"
        ? `${title} failed.${result}`
        : `${title} was cancelled.`;
  return { inCall: `A task update: ${outcome}`, callback: `${hello(n)}. ${outcome}` };
}

// --- scheduled calls -------------------------------------------------------------------------------

/** "Hi Sam, it's Pinchy with your scheduled call." plus anything pending. */
export function scheduledOpener(n: Names, pending: string | undefined): string {
  const opener = `${hello(n)} with your scheduled call.`;
  return pending ? `${opener} ${pending}` : opener;
}

export function scheduledNoContext(head: string): string {
  return `${head} What can I do for you?`;
}

/** The scheduled call's own words, when no model briefs. */
export function scheduledPlain(head: string, context: string): string {
  return `${head} You asked me to call about this: ${sentence(fragment(context, 300))}`;
}

export function scheduledStillWorking(head: string): string {
  return `${head} I'm still putting it together; I'll have it for you in a moment.`;
}

// --- third-party calls -----------------------------------------------------------------------------

/** The stock opening of a call the agent places for the user. */
export function thirdPartyOpening(n: Names, objective: string | undefined): string {
  const about = objective ? ` I'm calling about this: ${sentence(fragment(objective, 200))}` : "";
  return `Hello, this is ${n.agentName}, an AI assistant calling on behalf of ${n.userName ?? "a client"}.${about}`;
}

/**
 * A third-party call's opening with the recording notice (`CLAWCALL_RECORDING_NOTICE`) after its
 * first sentence: the relay records every call, and the person called hears so before anything
 * else is asked of them.
 */
export function withRecordingNotice(opening: string, notice: string | undefined): string {
  if (!notice) return opening;
  const said = sentence(notice);
  if (opening.includes(said)) return opening;
  const [first, ...others] = splitSentences(opening);
  return [first, said, ...others].filter(Boolean).join(" ");
}

export const THIRD_PARTY_CANNOT_CONTINUE = "I'm sorry, I can't continue this call right now. Goodbye.";
export const THIRD_PARTY_GOODBYE = "Thank you, goodbye.";

/** The owner's call ends (the goodbye intent, or a model that hung up without words). */
export function goodbye(n: Pick<Names, "userName">): string {
  return `Goodbye${n.userName ? ` ${n.userName}` : ""}, talk soon.`;
}
export const THIRD_PARTY_SAY_AGAIN = "Sorry, could you say that once more?";

/** How a finished third-party call is told: who said what last. */
export function thirdPartySummary(c: {
  objective: string | undefined;
  heardAnything: boolean;
  lastTheirs: string | undefined;
  lastAgent: string | undefined;
}): string {
  const topic = c.objective ? fragment(c.objective, 120) : "a call I made for you";
  return [
    `${c.heardAnything ? "I finished" : "Nobody said anything on"} the call about ${topic}.`,
    c.lastTheirs ? `They last said: ${quoted(fragment(c.lastTheirs, 200))}` : "",
    c.lastAgent ? `I ended with: ${quoted(fragment(c.lastAgent, 200))}` : "",
  ]
    .filter(Boolean)
    .join(" ");
}

export function thirdPartyNews(n: Names, summary: string): News {
  return { inCall: `An update: ${summary}`, callback: `${hello(n)}. ${summary}` };
}

/** The task-registry title of a finished third-party call (read back by the tasks intent). */
export function thirdPartyTaskTitle(objective: string | undefined, jobId: string): string {
  return `Phone call: ${objective ? clip(objective, 80) : "third-party call"} (job ${jobId})`;
}

// --- callers other than the owner (src/bridge/guest.ts) ------------------------------------------

const OFFER = "I can take a message for the person I work for, if you like.";

/** A guest's greeting: who the agent is (when it has a name), and the one thing it can do for them. */
export function guestHello(agentName: string | undefined): string {
  return `Hi, this is ${agentName ? `${agentName}, ` : ""}an AI assistant. ${OFFER}`;
}

export const GUEST_PRIVATE = `Sorry, I can only share that with the person I work for. ${OFFER}`;
export const GUEST_CANNOT = `Sorry, I can't help with that on this line. ${OFFER}`;
export const GUEST_ASK_MESSAGE = "Sure. What's your message?";
export const GUEST_MESSAGE_TAKEN = "Got it, I'll pass that on. Is there anything else?";
export const GUEST_MESSAGES_FULL = "I've already taken your messages on this call, and I'll pass them on.";
export const GUEST_NO_MESSAGE = "No problem. Is there anything else?";
export const GUEST_GOODBYE = "Thanks for calling. Goodbye.";

export const ASK_PIN = "Before I share anything private, please say your PIN.";
export const PIN_ACCEPTED = "Thanks, that's right. What can I do for you?";
export function pinWrong(left: number): string {
  return `That PIN isn't right. You can try ${left === 1 ? "once" : `${left} times`} more.`;
}
export const PIN_LOCKED = `That PIN isn't right either, so I can't share anything private on this call. ${OFFER}`;

/** Callers' messages, told at the start of the owner's next call (quoted: their words, not ours). */
export function guestMessagesNews(
  items: readonly { text: string; from: string | null; ago: string }[],
): string | undefined {
  if (items.length === 0) return undefined;
  const one = (m: (typeof items)[number]) => {
    const who = m.from ? `someone calling from a number ending in ${m.from.slice(-4)}` : "a caller";
    return `${m.ago}, ${who} said: ${quoted(fragment(m.text, 200))}`;
  };
  const head =
    items.length === 1 ? "You have a message." : `You have ${countWords(items.length, "message")}.`;
  return [head, ...items.slice(0, 5).map((m) => sentence(one(m)))].join(" ");
}
