import { type Intent, whole } from "./types.js";

const TAIL = "(?: today| doing| this morning| this evening| tonight| now| lately| my friend| buddy| there)*";
export const wellbeing: Intent = {
  name: "wellbeing",
  patterns: [
    whole(
      `(?:and )?how (?:are|r) you${TAIL}`,
      `how (?:are|is) (?:you|things|everything|life|your day)(?: going| doing)?${TAIL}`,
      `how (?:are|is) (?:things|everything|life)(?: going)? with you${TAIL}`,
      `(?:all good|everything good|everything okay|all well) with you${TAIL}`,
      `how are you keeping${TAIL}`,
      `how (?:is|has) your day (?:been|going|gone)${TAIL}`,
      `how (?:have you been|you doing|you been|is it going|goes it|are you holding up|is your day(?: going)?)${TAIL}`,
      `how do you do`,
      `(?:are )?you doing (?:okay|all right|well|good|fine)${TAIL}`,
      `(?:are )?you (?:okay|all right|good)`,
      `(?:what is up|sup|what is up with you)`,
      `how are you feeling${TAIL}`,
    ),
  ],
  lexicon: {
    anchors: ["you", "yourself", "things", "everything", "life", "your day", "it going", "goes it", "what is up", "sup", "it been", "are you well", "you well", "you having a good day", "having a good day", "how is tricks", "tricks", "you all right", "you okay", "i hope you are well"],
    cues: ["how", "how is", "how are", "you doing", "you okay", "you good", "you all right", "what is up", "sup", "how about you", "what about you", "are you well", "you well", "having a good day", "how is tricks", "i hope you are well"],
    words: ["are", "is", "it", "going", "doing", "your", "day", "been", "have", "today", "this morning", "this evening", "this afternoon", "tonight", "lately", "my friend", "buddy", "mate", "there", "with", "feeling", "keeping", "holding up", "okay", "all right", "good", "fine", "well", "been going", "so far", "and", "then", "up", "doing today", "how", "do", "things", "the day", "treating you", "dear", "friend", "my dear", "sir", "these days", "this fine", "fine day", "morning", "evening", "hello", "hi", "anyway", "by the way", "yourself", "getting on", "getting along", "hanging in there", "holding", "you", "hope", "i hope", "i hope you are", "well", "all good", "good with you", "is everything", "everything good", "my guy", "guy", "a good day", "having", "i mean", "how bist du"],
  },
  answer() {
    return "I'm doing well, thanks for asking. What can I do for you?";
  },
};
