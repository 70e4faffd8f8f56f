import type { Intent } from "./types.js";

/** Words that may accompany a farewell without changing it. */
const SOFT =
  "(?:okay|all right|thanks|thank you|thanks a lot|thank you very much|thanks so much|great|perfect|cool|awesome|good|sounds good|got it|cheers|that is great|that is perfect|you too|for now|then|so|well|yes|yeah|no|nope|right|lovely|much appreciated|appreciate it|i appreciate it)";
/** At least one of these must be present. */
const STRONG =
  "(?:bye|goodbye|bye now|bye for now|goodnight|farewell|see you(?: later| soon| tomorrow)?|see ya|talk (?:to you )?(?:later|soon|tomorrow)|talk later|catch you later|later|have a (?:(?:good|nice|great|lovely) (?:one|day|night|evening|weekend)|goodnight)|take care|that is (?:all|it|everything)(?: for now| for today)?|that will be all|that would be all|that was all|that is all i (?:need|needed|wanted)|(?:i am|we are) (?:done|all set|finished)(?: here| for now)?|nothing else|(?:there is )?nothing more|no more questions|i have (?:to|got to) go|i got to go|i need to go|(?:you can|go ahead and|please|feel free to) hang up(?: now)?|hang up(?: now)?|end (?:the|this) call|you can go|i will let you go|i will talk to you later|gotta go|signing off)";

export const goodbye: Intent = {
  name: "goodbye",
  endCall: true,
  patterns: [new RegExp(`^(?:${SOFT} )*${STRONG}(?: ${SOFT}| ${STRONG})*$`)],
  answer(ctx) {
    const user = ctx.userName();
    return `Goodbye${user ? ` ${user}` : ""}, talk soon.`;
  },
};
