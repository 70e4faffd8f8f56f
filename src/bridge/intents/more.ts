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
  lexicon: {
    anchors: ["go on", "carry on", "keep going", "continue", "tell me more", "more", "what else", "what is next", "and then", "then what", "what next", "keep on", "the rest", "rest of it", "finish", "finish it", "you were saying", "go ahead and finish", "do go on"],
    words: ["yes", "yeah", "yep", "sure", "okay", "and", "so", "then", "on", "me", "tell", "tell me", "about that", "that", "it", "the", "with", "i am listening", "listening", "let us hear", "hear", "was", "saying", "you", "what", "else", "is", "i want to hear", "want to hear", "i want", "want", "to hear", "all right", "interesting", "go", "ahead", "i", "know", "more about that", "a bit more", "bit", "a little more", "little", "of", "rest", "what you", "were", "right", "thanks", "good"],
  },
  answer(ctx) {
    return ctx.moreAnswer() ?? NOTHING_MORE;
  },
};
