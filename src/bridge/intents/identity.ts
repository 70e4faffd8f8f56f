import { type Intent, whole } from "./types.js";

const AGAIN = "(?: again)?";
/** "sorry", "wait", "i am sorry", "um sorry" before the question (fillers are already gone). */
const HEDGE = "(?:(?:i am sorry|sorry|wait|and|so|oh|hmm|excuse me|pardon me|hang on|hold on) )*";
/** A vocative at the end: "what's your name buddy". */
const TAIL = "(?: (?:buddy|mate|friend|my friend|again))?";
export const identity: Intent = {
  name: "identity",
  patterns: [
    whole(
      `${HEDGE}what (?:is|was) your name${AGAIN}${TAIL}`,
      `${HEDGE}(?:i did not|i didnt|i do not think i) (?:get|catch|hear) your name`,
      // "and you are?" (the "and" is stripped as a leading discourse word)
      `${HEDGE}(?:and )?you are`,
      `(?:can you |could you )?(?:tell me|remind me of|remind me what is|say) your name${AGAIN}`,
      `your name${AGAIN}`,
      `${HEDGE}who (?:are you|is this|is that|is speaking|is calling|is on the line|am i (?:talking|speaking) (?:to|with)|(?:am i|i am) talking to)${AGAIN}`,
      `who (?:exactly )?(?:are you|am i talking to)(?: exactly)?`,
      `what (?:should|do|can|shall|may) i call you${AGAIN}`,
      `what (?:are you|do they|do people) call(?:ed)? you${AGAIN}`,
      `what are you called${AGAIN}`,
      `(?:(?:can|could|would) you )?(?:tell me|remind me) who (?:i am|you are) (?:talking|speaking) (?:to|with)`,
      `(?:(?:can|could|would) you )?(?:tell me|remind me) who you are`,
      `${HEDGE}remind me who you are`,
      `${HEDGE}(?:i (?:forgot|forget|have forgotten)|remind me(?: of)?) your name`,
      `${HEDGE}what did you say your name (?:was|is)`,
      `${HEDGE}who (?:am i|i am) (?:speaking|talking) (?:to|with) (?:right now|now|here)`,
      `${HEDGE}who is (?:there|on the phone|on the line|this speaking)`,
      `what is your good name`,
      `what name (?:do you go by|do you use|should i use|are you using)`,
      `what do you go by`,
      `are you (?:a |an )?(?:person|human|real person|robot|bot|ai|a i|machine|computer) or (?:a |an )?(?:person|human|real person|robot|bot|ai|a i|machine|computer)`,
      `what are you`,
      `(?:do you have|have you got|you got) a name`,
      `are you (?:a |an )?(?:robot|bot|ai|a i|human|real person|person|machine|computer|real|assistant|ai assistant|human being|artificial intelligence)`,
      `am i (?:talking|speaking) (?:to|with) (?:a |an )?(?:robot|bot|ai|a i|human|real person|person|machine|computer)`,
      `is this (?:a |an )?(?:robot|bot|ai|a i|machine|computer|real person|human)`,
      `(?:please )?introduce yourself`,
      `tell me (?:about )?(?:who you are|yourself)`,
    ),
  ],
  lexicon: {
    anchors: ["your name", "name", "who are you", "who is this", "who is that", "who am i", "who i am", "who is speaking", "who is there", "who you are", "who is it", "who is on the line", "who is on the phone", "who this is", "who is this speaking", "robot", "bot", "ai", "a i", "human", "human being", "machine", "computer", "real person", "introduce yourself", "call you", "called", "artificial intelligence", "what are you", "who dis", "who is talking", "who might you be", "what kind of thing are you", "what exactly are you", "you are who", "are you my assistant", "is this the assistant", "my assistant", "the assistant", "who exactly"],
    words: ["who", "what", "is", "was", "your", "again", "are", "you", "this", "that", "am", "i", "talking", "speaking", "to", "with", "on", "the", "line", "phone", "right now", "now", "here", "there", "i am sorry", "wait", "excuse me", "pardon me", "hang on", "hold on", "remind me", "tell me", "tell", "me", "can you", "could you", "would you", "do you", "have", "got", "a", "an", "real", "person", "or", "exactly", "and", "may i", "know", "ask", "should", "shall", "do", "call", "go by", "forgot", "forget", "catch", "get", "did not", "i did not", "say", "said", "kind of", "what kind of", "assistant", "yourself", "it", "buddy", "mate", "friend", "my friend", "good name", "one more time", "remind", "dear", "sir", "madam", "quickly", "first", "before we start", "if you do not mind", "may i ask", "actually", "then", "i am speaking with", "who i am", "is it", "it is", "some kind of", "sort of", "type of", "are you a", "or not", "or a", "really", "might", "be", "someone else", "else", "kind of thing", "thing", "my"],
  },
  answer(ctx, n) {
    const user = ctx.userName();
    const name = ctx.agentName();
    if (!ctx.hasAgentName()) return `I'm ${user ? `${user}'s` : "your"} AI assistant.`;
    if (/\b(?:robot|bot|ai|a i|human|person|machine|computer|real|artificial)\b/.test(n)) {
      return `I'm ${name}, an AI assistant${user ? ` working for ${user}` : ""}.`;
    }
    return `I'm ${name}, ${user ? `${user}'s` : "your"} AI assistant.`;
  },
};
