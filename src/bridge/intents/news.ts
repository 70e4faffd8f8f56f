import { type Intent, whole } from "./types.js";

/**
 * "tell me", "what did you find": the caller asks for a late answer the bridge mentioned. With
 * nothing waiting, say so (src/bridge/turns.ts tells the waiting one first).
 */
export const news: Intent = {
  name: "news",
  patterns: [
    whole(
      // Not "go ahead" or "sure": those answer a question the model asked.
      "(?:okay |yes |yeah |sure )?(?:tell me|tell me then|let me hear it|let us hear it)",
      "(?:so )?what did you (?:find|find out|get|come up with|learn)",
      "(?:any|got any|do you have any|is there any) (?:news|updates?|answer|luck)(?: yet| for me)?",
      "(?:what is|what was) the answer(?: to my (?:earlier |other |last )?question)?",
      "(?:did you|have you) (?:find|found|figure|figured) (?:it|that|anything|something)(?: out)?(?: yet)?",
      "what about my (?:earlier |other |last )?question",
      "what (?:happened|came of it|came back) (?:with|about|on) my (?:earlier |other |last )?question",
      "what is the news",
      "(?:what is|any) (?:the )?(?:update|news) (?:for me|on that|on it)",
      "what is the update",
      "what did you find (?:for me|out for me)",
      "(?:did|have) you (?:get|got|found|find) (?:the|an) answer(?: yet)?",
    ),
  ],
  answer(ctx) {
    const working = ctx.working();
    return working
      ? `Not yet: I'm still working on ${working}. I'll tell you as soon as I have it.`
      : "I don't have anything new for you right now.";
  },
};
