import { type Intent, whole } from "./types.js";

/**
 * "ok thanks", "no rush", "are you still there": words that need a reply, not a model turn, and
 * above all not a new deferred question. A bare "okay" or "sure" stays with the model: it may be
 * the answer to a question the model just asked.
 */
const THANKS =
  "(?:okay |all right |great |perfect |cool |awesome |lovely |good )?(?:thanks|thank you|thanks a lot|thank you very much|thanks so much|thank you so much|many thanks|cheers|much appreciated)(?: a lot| again)?";
const PATIENCE =
  "(?:okay |all right |sure |no problem )?(?:no rush|no hurry|take your time|no worries|no problem|i can wait|i will wait|i am not in a hurry|there is no rush|whenever you are ready)";
const STILL_THERE =
  "(?:hello )?(?:hello )?(?:are you still there|can you hear me|can you hear me at all|did you hear me|are you there|you still there|you there|still there|hello are you there|anyone there|is anyone there|anybody there|is anybody there|are you still with me|did i lose you)";

export const acknowledge: Intent = {
  name: "acknowledge",
  patterns: [
    whole(
      THANKS,
      `${PATIENCE}(?: ${PATIENCE})?`,
      `${THANKS} ${PATIENCE}`,
      `${PATIENCE} ${THANKS}`,
      STILL_THERE,
    ),
  ],
  lexicon: {
    anchors: ["thanks", "thank you", "cheers", "much appreciated", "appreciate it", "i appreciate it", "appreciate that", "i appreciate that", "many thanks", "thanks a million", "no rush", "no hurry", "take your time", "no worries", "no problem", "i can wait", "i will wait", "i am not in a hurry", "not in a hurry", "i am in no hurry", "there is no rush", "whenever you are ready", "are you still there", "are you there", "you still there", "you there", "still there", "anyone there", "is anyone there", "anybody there", "is anybody there", "are you still with me", "did i lose you", "you still with me", "still with me", "hello are you there", "you have been helpful", "that is helpful", "that was helpful", "very kind", "that is kind", "happy to wait", "i am happy to wait", "i will hold", "i will hold on", "i can hold", "i can hold on", "did you hear me", "can you hear me", "is the line still on", "you still on the line", "still on the line", "are you still on the line", "is this thing working", "am i breaking up", "is the signal okay", "thanks a bunch", "ta", "gracias", "danke", "merci", "that is very helpful", "that is really helpful", "that was very helpful", "that was really helpful", "very helpful", "really helpful", "sweet thanks"],
    words: ["okay", "all right", "great", "perfect", "cool", "awesome", "lovely", "good", "a lot", "so much", "very much", "again", "that is fine", "fine", "it is fine", "it is okay", "that is okay", "hello", "for that", "for the", "for your", "for the update", "for the info", "for the information", "for letting me know", "for checking", "for your patience", "help", "buddy", "mate", "man", "dude", "very", "really", "so", "of you", "kind", "nice", "brilliant", "excellent", "wonderful", "fantastic", "thanks so much", "honestly", "seriously", "totally", "i understand", "understood", "then", "and", "sure", "my friend", "friend", "sir", "dear", "that is great", "that is perfect", "that is good", "sounds good", "i will", "wait", "hold", "i will hold", "hey", "hello hello", "yeah", "with me", "still", "there", "indeed", "on your end", "at all", "sweet", "oi", "or what", "hold on", "that is", "a bunch", "helpful", "thank you", "thanks", "that"],
  },
  answer(ctx, n) {
    const working = ctx.working();
    const still = new RegExp(`^${STILL_THERE}$`).test(n);
    if (working) {
      return `${still ? "Yes, I'm here. " : ""}I'm still working on ${working}. I'll tell you as soon as I have it.`;
    }
    if (still) return "Yes, I'm here. What can I do for you?";
    return new RegExp(`^${THANKS}$`).test(n) ? "You're welcome." : "Thanks. What else can I do for you?";
  },
};
