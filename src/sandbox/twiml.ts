/**
 * The TwiML the relay's webhooks return, as data instead of XML: the telephony simulator executes these
 * verbs the way Twilio would.
 */

export type WebhookName =
  | "inbound"
  | "gather"
  | "silence"
  | "poll"
  | "callback"
  | "scheduled"
  | "third-party"
  | "third-party-poll"
  | "third-party-gather";

export interface WebhookRef {
  name: WebhookName;
  params: Record<string, string>;
}

/** What a `<Say>` is for; decides the event type the simulator records. */
export type SayKind =
  | "greeting"
  | "filler"
  | "answer"
  | "didnt_catch"
  | "still_there"
  | "callback_message"
  | "notice";

export interface SayVerb {
  verb: "say";
  text: string;
  /** null: no voice attribute (Twilio's default voice). */
  voice: string | null;
  kind: SayKind;
  endCall?: boolean;
  /** A filler spoken as the agent's turn (third-party timeout). */
  asAnswer?: boolean;
}

export interface GatherVerb {
  verb: "gather";
  timeoutS: number;
  action: WebhookRef;
  say: SayVerb | null;
  thirdParty: boolean;
}

export interface RedirectVerb {
  verb: "redirect";
  to: WebhookRef;
}

export interface HangupVerb {
  verb: "hangup";
  /** Why the server hangs up: end_call, silence, refused. */
  reason: string;
}

export type Verb = SayVerb | GatherVerb | RedirectVerb | HangupVerb;

export function say(
  text: string,
  voice: string | null,
  kind: SayKind,
  extra: Partial<SayVerb> = {},
): SayVerb {
  return { verb: "say", text, voice, kind, ...extra };
}

export function hangup(reason: string): HangupVerb {
  return { verb: "hangup", reason };
}

export function redirect(name: WebhookName, params: Record<string, string>): RedirectVerb {
  return { verb: "redirect", to: { name, params } };
}
