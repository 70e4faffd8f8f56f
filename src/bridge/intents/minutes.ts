import { type Intent, whole } from "./types.js";

const MIN =
  "(?:minutes|call minutes|calling minutes|call time|calling time|talk time|phone minutes|phone time|time on my plan|minutes on my plan|minutes on my account)";
const LEFT =
  "(?: left| remaining| to go)?(?: this month| on my plan| on my account| for the month| in my plan)?";
export const minutes: Intent = {
  name: "minutes",
  patterns: [
    whole(
      `how (?:many|much) ${MIN} (?:do i have|have i got|do we have|is there|are there|is|are|remain|do i get|have i)${LEFT}`,
      `how (?:many|much) ${MIN} (?:left|remaining|remain|are left|is left|do i have left)${LEFT}`,
      `how (?:many|much) ${MIN} (?:have i|did i) (?:used|use|got left)${LEFT}`,
      `(?:am i|are we) (?:running|getting) (?:out|low) (?:of|on) ${MIN}`,
      `(?:do i|have i) (?:have|got) (?:any )?${MIN} left${LEFT}`,
      `do i still have (?:any )?${MIN}(?: left)?${LEFT}`,
      `what is my (?:minute|minutes|call time|minute) (?:balance|usage|count|limit|left)`,
      `(?:my )?(?:minutes|minute balance|minute usage) (?:left|remaining|balance|usage)${LEFT}`,
      `(?:check|tell me) my (?:minutes|minute balance|call time|minute usage)`,
      `how much (?:of my )?(?:plan|quota|minutes|allowance) (?:is left|have i used|do i have left|remains)${LEFT}`,
      `how much time (?:do i have|have i got|is) left on (?:my|the) (?:plan|account)(?: this month)?`,
      // the embedded word order after "can you tell me": "how many minutes I have left"
      `how (?:many|much) ${MIN} (?:i have|i have got|i got|are left|remain)${LEFT}`,
      `what is my (?:usage|minute usage|call usage)${LEFT}`,
      `(?:am i|are we) (?:close to|near|nearly at|almost at|over|at) (?:my|the|our) (?:minute|minutes|call|plan) (?:limit|cap|allowance)`,
    ),
  ],
  lexicon: {
    anchors: ["minutes", "minute", "call minutes", "calling minutes", "call time", "calling time", "talk time", "phone minutes", "phone time", "airtime", "air time", "minute balance", "minutes balance", "call usage", "minute usage", "minutes usage", "plan usage", "usage on my plan", "usage on the plan", "left on my plan", "left on the plan", "used on the plan", "used on my plan", "of the plan", "of my plan", "my plan", "the plan", "the phone plan", "my phone plan", "phone plan"],
    cues: ["how", "how many", "how much", "what", "check", "have i", "am i", "is my", "is there", "any", "left", "remaining", "used", "gone", "available", "have i used"],
    words: ["how", "many", "much", "do", "i", "have", "got", "i got", "left", "remaining", "remain", "are", "is", "there", "still", "any", "my", "the", "on", "plan", "account", "this month", "for the month", "month", "this", "in", "of", "used", "use", "have i used", "did i use", "what", "what is", "check", "tell me", "tell", "me", "can you", "could you", "would you", "you", "am", "running", "out", "low", "getting", "close to", "near", "nearly", "almost", "over", "at", "limit", "cap", "we", "our", "be", "left over", "so far", "already", "a", "an", "idea", "know", "let me know", "free", "included", "remaining on", "yet", "how many", "how much", "number", "count", "the number of", "want to know", "need to know", "i need", "i want to know", "i would like to know", "wondering", "i was wondering", "if", "okay", "all right", "again", "right now", "currently", "at the moment", "total", "used up", "use up", "for", "have left", "quota", "allowance", "balance", "usage", "give me", "gone over", "gone", "available", "billing period", "this billing period", "billing cycle", "this cycle", "cycle", "period", "burned through", "burned", "through", "ye", "more", "can i talk", "talk", "all my", "all", "of my", "nearly used up", "looking", "looking like", "like", "what is left", "the usage"],
  },
  answer(ctx) {
    return ctx.minutesSummary();
  },
};
