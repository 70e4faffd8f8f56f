/**
 * What the caller hears when the listener has nothing better. Everything else spoken is shaped by
 * the one speech shaper (src/speech/).
 */
export const PHRASES = {
  /** The agent failed or passed its deadline. */
  agentFailed: "Sorry, I ran into a problem with that. Could you say it again?",
  /** A third-party turn whose agent missed the 12 s budget: short, neutral, keeps the call going. */
  thirdPartyFailed: "Sorry, could you repeat that, please?",
  /** After a restart, for a turn the previous process took but never answered. */
  lostTrain: "Sorry, I lost my train of thought. Could you say that again?",
  /** More turns waiting than the listener will queue. */
  busy: "Sorry, I'm a little busy right now. Could you say that again in a moment?",
} as const;

/**
 * Twilio's Polly voices stop around 3,000 characters: an answer from any agent behind
 * `CLAWCALL_AGENT_URL` is cut at a sentence within this many words (about 2,000 characters).
 */
export const MAX_SPOKEN_WORDS = 300;
