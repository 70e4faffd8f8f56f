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
  lexicon: {
    anchors: ["bye", "goodbye", "bye now", "bye for now", "goodnight", "farewell", "see you", "see you later", "see you soon", "see you tomorrow", "talk to you later", "talk to you soon", "talk to you tomorrow", "talk later", "talk soon", "speak soon", "speak to you later", "speak to you soon", "catch you later", "take care", "got to go", "have to go", "need to go", "i got to go", "i have to go", "i need to go", "i must go", "hang up", "end the call", "end this call", "end call", "that is all", "that is it", "that will be all", "that would be all", "that is everything", "i am done", "we are done", "i am all set", "we are all set", "nothing else", "nothing more", "no more questions", "signing off", "cheerio", "ciao", "until next time", "later then", "i will let you go", "adios", "ta ta", "toodles", "peace out", "have a good day", "have a good one", "have a nice day", "have a great day", "have a good evening", "have a nice evening", "have a lovely day", "have a great one", "have a good weekend", "have a nice weekend", "that is all for now", "that is all for today", "that is all i needed", "that is all i need", "that is all i wanted", "au revoir", "god bless", "night night", "laters", "tara", "ta ra", "tschuss", "i go now", "i am going now", "i am hanging up", "i am hanging up now", "i am going to hang up", "i am going to hang up now", "going to hang up", "hanging up", "that is me done", "that is me", "i will be off", "i am off", "i am off now", "talk tomorrow", "speak tomorrow", "love you bye"],
    words: ["okay", "all right", "thanks", "thank you", "so much", "very much", "a lot", "again", "for now", "for today", "then", "great", "perfect", "cool", "awesome", "good", "lovely", "cheers", "thanks for the help", "thank you for the help", "thanks for your help", "thank you for your help", "thanks for everything", "thank you for everything", "thanks for all your help", "thank you for all your help", "for your help", "for the help", "for everything", "you have been", "very helpful", "really helpful", "so helpful", "a great help", "a big help", "helpful", "you too", "now", "right", "yeah", "yes", "no", "nope", "appreciate it", "i appreciate it", "much appreciated", "buddy", "mate", "friend", "my friend", "dude", "pal", "later", "soon", "tomorrow", "you can", "go ahead and", "the call", "well", "anyway", "anyways", "that was", "sounds good", "got it", "that is great", "that is perfect", "that helps", "that helped", "i think", "for now then", "night", "so long", "and", "dear", "love", "bye then", "okay then", "that is all i need", "you can go", "i will talk to you later", "all done", "done", "finished", "it was nice talking to you", "nice talking to you", "nice talking", "good talking to you", "talk to you", "thanks a million", "ta", "have a good", "have a great", "for calling", "thanks for calling", "now", "for the day", "love you", "ma am", "madam", "sir", "it is", "here", "me", "dave", "right then", "okay love", "that is me"],
  },
  answer(ctx) {
    return lines.goodbye({ userName: ctx.userName() });
  },
};
