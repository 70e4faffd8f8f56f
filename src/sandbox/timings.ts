/**
 * Every time constant of the relay and of the simulated phone network, in simulated seconds.
 * Real waits are `seconds / timeScale`: at timeScale 20 the relay's 12 s agent wait takes 0.6 s.
 */
export interface SandboxTimings {
  /** AGENT_RESPONSE_TIMEOUT: the first wait for the agent's answer on gather/scheduled/third-party. Default 12. */
  agentResponseS: number;
  /** Wait per `/webhooks/twilio/poll` round (inbound, callback, scheduled). Default 10. */
  pollWaitS: number;
  /** Wait per `/webhooks/twilio/third-party-poll` round. Default 5. */
  thirdPartyPollWaitS: number;
  /** Gather `timeout` on user-facing calls: silence before Twilio gives up listening. Default 10. */
  gatherTimeoutS: number;
  /** Gather `timeout` on third-party calls. Default 8. */
  thirdPartyGatherTimeoutS: number;
  /** Cap (and default) of `listen?timeout=`. Default 25. */
  listenMaxS: number;
  /** `_JOB_TTL`: response slots older than this are evicted when any message is queued. Default 300. */
  slotTtlS: number;
  /** How long a filler phrase takes to speak. Default 1.5. */
  fillerSpeechS: number;
  /** Text-to-speech speed for everything else, in characters per second. Default 15. */
  ttsCharsPerS: number;
  /** Shortest spoken phrase. Default 0.5. */
  ttsMinS: number;
  /** How long the simulated caller speaks (including end-of-speech detection) before the speech is posted. Default 1.5. */
  callerSpeechS: number;
  /** Outbound calls that nobody answers end as no-answer after this. Default 60 (Twilio's default). */
  ringTimeoutS: number;
  /** Twilio gives up on a webhook that takes longer than this (application error, call ends). Default 15. */
  webhookTimeoutS: number;
}

export const DEFAULT_TIMINGS: Readonly<SandboxTimings> = Object.freeze({
  agentResponseS: 12,
  pollWaitS: 10,
  thirdPartyPollWaitS: 5,
  gatherTimeoutS: 10,
  thirdPartyGatherTimeoutS: 8,
  listenMaxS: 25,
  slotTtlS: 300,
  fillerSpeechS: 1.5,
  ttsCharsPerS: 15,
  ttsMinS: 0.5,
  callerSpeechS: 1.5,
  ringTimeoutS: 60,
  webhookTimeoutS: 15,
});

/** Converts simulated seconds to real milliseconds. */
export type Scale = (simSeconds: number) => number;

export function makeScale(timeScale: number): Scale {
  if (!(timeScale > 0) || !Number.isFinite(timeScale))
    throw new RangeError("timeScale must be a positive number");
  return (s) => Math.max(0, (s * 1000) / timeScale);
}

/** Spoken duration of a phrase, in simulated seconds. */
export function speechSeconds(t: SandboxTimings, text: string): number {
  return Math.max(t.ttsMinS, text.length / t.ttsCharsPerS);
}
