import { NOTHING_MORE } from "../lines.js";
import { type Intent, whole } from "./types.js";

/**
 * "Go on": the part of the last answer the word budget held back (src/speech/words.ts). Only the
 * short, whole phrases a caller says to continue; "tell me more about the weather" is a new question.
 */
export const more: Intent = {
  name: "more",
  patterns: [
    whole(
      `(?:(?:yes|yeah|yep|sure|ok|okay|please|and|so) )*(?:go on|carry on|keep going|continue|go on then|tell me more|more please|(?:and )?what else|what is next|and then|more)(?: please)?`,
    ),
  ],
  answer(ctx) {
    return ctx.moreAnswer() ?? NOTHING_MORE;
  },
};
