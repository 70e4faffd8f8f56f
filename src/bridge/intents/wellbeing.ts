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
  answer() {
    return "I'm doing well, thanks for asking. What can I do for you?";
  },
};
