import { type Intent, whole } from "./types.js";

const ASK =
  "(?:do you know |can you tell me |could you tell me |tell me |remind me |any idea |have you got |you got |got )?";
const WHEN = "(?: (?:now|right now|today|there|here|at the moment|currently|exactly))?";
export const time: Intent = {
  name: "time",
  patterns: [
    whole(
      `${ASK}what (?:time|day|date|day of the week|month|year) (?:it is|is it)${WHEN}`,
      `${ASK}what is (?:the )?(?:time|date|day|current time|current date|day of the week|date and time|time and date)${WHEN}`,
      `${ASK}what is (?:today|todays date|the date today|today s date)`,
      `what todays date is|what is todays date|todays date|(?:the )?date|(?:the )?time|(?:the )?time (?:now|right now)`,
      `${ASK}the (?:time|date)${WHEN}`,
      `what (?:day|date) (?:is )?today(?: is)?`,
      `what (?:is )?the date today`,
      `what time have you got`,
      `(?:do|have) you (?:have|got) the time`,
      `(?:the )?current (?:time|date)`,
      `what is (?:todays|the) day(?: today)?`,
      // "is it tuesday today", "which day is it", "what time is it over there"
      `is (?:it|today) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?: today)?`,
      `which (?:day|date) is it(?: today)?`,
      `what time is it (?:over there|where you are|in my time zone|for me|my time|here)`,
    ),
  ],
  lexicon: {
    anchors: ["time", "the time", "date", "the date", "todays date", "day", "what day", "day of the week", "month", "year", "what time", "how late is it", "how late", "the noo", "the fifth", "the twelfth", "what date", "which day"],
    cues: ["what", "which", "what is", "tell me", "know", "got", "give me", "check", "current", "the time", "the date", "todays date", "any idea", "need", "want to know"],
    words: ["is", "it", "is it", "it is", "now", "right now", "today", "current", "currently", "exact", "exactly", "the", "do you know", "you know", "can you", "could you", "would you", "you", "have you got", "you got", "have", "there", "here", "over there", "where you are", "at the moment", "again", "in my time zone", "my time", "local", "i", "i need", "i want to know", "i would like to know", "i was wondering", "wondering", "if you", "tell", "me", "for me", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "of", "and", "mate", "buddy", "by any chance", "do", "does", "anyone", "somebody", "someone", "wait", "hang on", "now love", "love", "y all", "bhai", "we got", "we", "got", "madam", "the noo", "cause i forgot", "i forgot", "where i am", "still", "monday today", "or", "is it the", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth", "then"],
  },
  answer(ctx) {
    return ctx.spokenNow();
  },
};
