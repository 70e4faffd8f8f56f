import * as lines from "../lines.js";
import type { Intent } from "./types.js";

/** Words that may accompany a farewell without changing it. */
const SOFT =
  "(?:okay|all right|thanks|thank you|thanks a lot|thank you very much|thanks so much|thank you so much|thanks again|thank you again|great|perfect|cool|awesome|good|sounds good|got it|cheers|that is great|that is perfect|that helps|that helped|that is helpful|very helpful|you have been (?:very |really |so |a )?(?:helpful|great|big help|great help)|thanks for (?:the|your|all the|all your) help|thank you for (?:the|your|all the|all your) help|thanks for (?:that|everything|calling|your time)|thank you for (?:that|everything|calling|your time)|you too|for now|then|so|well|yes|yeah|no|nope|right|lovely|much appreciated|appreciate it|i appreciate it|buddy|mate|my friend|friend|dude|pal)";
/** At least one of these must be present. A bare "later" is not one: "later" answers many questions. */
const STRONG =
  "(?:bye|goodbye|bye now|bye for now|goodnight|farewell|see you(?: later| soon| tomorrow)?|see ya|talk (?:to you )?(?:later|soon|tomorrow)|talk later|catch you later|have a (?:(?:good|nice|great|lovely) (?:one|day|night|evening|weekend)|goodnight)|take care|that is (?:all|it|everything)(?: for now| for today)?|that will be all|that would be all|that was all|that is all i (?:need|needed|wanted)|(?:i am|we are) (?:done|all set|finished)(?: here| for now)?|nothing else|(?:there is )?nothing more|no more questions|i have (?:to|got to) go|i got to go|i need to go|(?:you can|go ahead and|please|feel free to) hang up(?: now)?|hang up(?: now)?|end (?:the|this) call|you can go|i will let you go|i will talk to you later|gotta go|signing off)";

const ENDS_WITH_FAREWELL = new RegExp(`(?:^| )${STRONG}(?: ${SOFT}| ${STRONG})*$`);
/** A model's reply that takes its leave (normalised text). */
const MODEL_FAREWELL =
  /\b(?:goodbye|bye|take care|talk (?:to you )?(?:soon|later)|have a (?:good|great|nice|lovely) (?:one|day|night|evening|weekend)|goodnight)\b/;

/**
 * The caller's normalised words end on a farewell, even after a request ("book it for Friday,
 * thanks, bye"): not enough to hang up on its own, but enough when the model says goodbye back.
 */
export function endsWithFarewell(normalized: string): boolean {
  return ENDS_WITH_FAREWELL.test(normalized);
}

/** The model's (normalised) reply says goodbye and asks nothing more. */
export function isFarewellReply(normalized: string, raw: string): boolean {
  return MODEL_FAREWELL.test(normalized) && !raw.trim().endsWith("?");
}

export const goodbye: Intent = {
  name: "goodbye",
  endCall: true,
  patterns: [new RegExp(`^(?:${SOFT} )*${STRONG}(?: ${SOFT}| ${STRONG})*$`)],
  answer(ctx) {
    return lines.goodbye({ userName: ctx.userName() });
  },
};
