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
    anchors: ["go on", "carry on", "keep going", "continue", "tell me more", "more", "what else", "what is next", "and then", "then what", "what next", "keep on", "the rest", "rest of it", "finish", "finish it", "you were saying", "go ahead and finish", "do go on", "and after that", "after that", "what is after that", "what comes after that", "what happened next", "and then what happened", "then what happened", "anything else in that", "carry on with the list", "continue the list", "continue from where you stopped", "continue from there", "keep it going", "keep reading", "keep talking", "read me the rest", "read the rest", "the rest of it", "give me the rest", "next part", "pick up where you left off", "do not stop", "finish the story"],
    words: ["yes", "yeah", "yep", "sure", "okay", "and", "so", "then", "on", "me", "tell", "tell me", "about that", "that", "it", "the", "with", "i am listening", "listening", "let us hear", "hear", "was", "saying", "you", "what", "else", "is", "i want to hear", "want to hear", "i want", "want", "to hear", "all right", "interesting", "go", "ahead", "i", "know", "more about that", "a bit more", "bit", "a little more", "little", "of", "rest", "what you", "were", "right", "thanks", "good", "i am still here", "still here", "i am following", "following", "you stopped", "you can", "can", "what did it say", "did it say", "it say", "with the list", "the list", "from there", "where you stopped", "list", "what happened", "happened", "yeah yeah", "okay and"],
  },
  answer(ctx) {
    return ctx.moreAnswer() ?? NOTHING_MORE;
  },
};
