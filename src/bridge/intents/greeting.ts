import { hello } from "../lines.js";
import { type Intent, whole } from "./types.js";

/** A greeting word or phrase; the router strips it off the front of longer utterances. */
export const GREETING_WORDS =
  "(?:hi|hello|hey|hiya|howdy|yo|heya|hey hey|hello hello|greetings|oh hi|oh hello|good (?:morning|afternoon|evening|day))";

/** One word that could be a caller's name (not "this is urgent"). */
const NAME =
  "(?!(?:urgent|important|serious|bad|good|great|weird|strange|it|about|not|so|really|very|a|an|the|me|you|what|why|how|when|where|who|ridiculous|crazy|funny|wrong|right|fine|ok|okay|all|just|wait|listen|quick|can|could|would|will|i|we|so|and|but|please|there|here|is|are|do|does|did|one|two|three|again)\\b)[a-z]+";

export const greeting: Intent = {
  name: "greeting",
  patterns: [
    whole(
      `${GREETING_WORDS}(?: ${GREETING_WORDS})*(?: there| again| you| everyone| friend| buddy)?(?: ${NAME})?`,
      `(?:morning|afternoon|evening)(?: there)?(?: ${NAME})?`,
      `${GREETING_WORDS} to you`,
      // "hello is this Nova", "hi Nova it's me"
      `${GREETING_WORDS}(?: there)? is (?:this|that) ${NAME}`,
      `${GREETING_WORDS}(?: ${NAME})? it is (?:me|just me|me again)`,
      // "hi it's me", "hello this is Sam": the caller announcing themselves.
      `(?:${GREETING_WORDS} )?(?:it is me|it is just me|it is me again|me again|it is ${NAME} here|${NAME} here)`,
      `(?:${GREETING_WORDS} )?this is ${NAME}`,
      `${GREETING_WORDS} it is ${NAME}`,
      // "hey Nova it's Dave", "hello it's Mrs Okafor", "heya Orion, Kwame here", "it's your boss"
      `${GREETING_WORDS}(?: ${GREETING_WORDS})*(?: there)?(?: ${NAME})? (?:it is|this is) (?:${NAME}(?: ${NAME})?|your boss)`,
      `${GREETING_WORDS}(?: ${GREETING_WORDS})*(?: there)?(?: ${NAME})? ${NAME} here`,
    ),
  ],
  lexicon: {
    anchors: [
      "hi",
      "hello",
      "hey",
      "hiya",
      "howdy",
      "yo",
      "heya",
      "greetings",
      "good morning",
      "good afternoon",
      "good evening",
      "good day",
      "morning",
      "evening",
      "afternoon",
      "hey there",
      "hi there",
      "hello there",
      "g day",
      "hallo",
      "hola",
      "howzit",
      "namaste",
      "salut",
      "top of the morning",
      "wassup",
      "mornin",
      "hey hey",
      "good morning to you",
      "guten morgen",
      "guten tag",
    ],
    words: [
      "there",
      "again",
      "you",
      "everyone",
      "friend",
      "buddy",
      "mate",
      "it is me",
      "me",
      "it is",
      "this is",
      "me again",
      "is this",
      "is that",
      "okay",
      "to you",
      "and",
      "hello hello",
      "anybody",
      "my friend",
      "dear",
      "sir",
      "madam",
      "how do you do",
      "top of the morning",
      "o",
      "good",
      "it is just me",
      "just me",
      "it is your boss",
      "your boss",
      "boss",
      "here",
      "all",
    ],
  },
  answer(ctx) {
    return `${hello({ agentName: ctx.agentName(), userName: ctx.userName() })}. What can I do for you?`;
  },
};
