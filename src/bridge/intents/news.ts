import { type Intent, whole } from "./types.js";

/**
 * "tell me", "what did you find": the caller asks for a late answer the bridge mentioned. With
 * nothing waiting, say so (src/bridge/turns.ts tells the waiting one first).
 */
export const news: Intent = {
  name: "news",
  patterns: [
    whole(
      // Not "go ahead" or "sure": those answer a question the model asked.
      "(?:okay |yes |yeah |sure )?(?:tell me|tell me then|let me hear it|let us hear it)",
      "(?:so )?what did you (?:find|find out|get|come up with|learn)",
      "(?:any|got any|do you have any|is there any) (?:news|updates?|answer|luck)(?: yet| for me)?",
      "(?:what is|what was) the answer(?: to my (?:earlier |other |last )?question)?",
      "(?:did you|have you) (?:find|found|figure|figured) (?:it|that|anything|something)(?: out)?(?: yet)?",
      "what about my (?:earlier |other |last )?question",
      "what (?:happened|came of it|came back) (?:with|about|on) my (?:earlier |other |last )?question",
      "what is the news",
      "(?:what is|any) (?:the )?(?:update|news) (?:for me|on that|on it)",
      "what is the update",
      "what did you find (?:for me|out for me)",
      "(?:did|have) you (?:get|got|found|find) (?:the|an) answer(?: yet)?",
    ),
  ],
  lexicon: {
    anchors: ["news", "any news", "update", "updates", "any update", "any updates", "any luck", "answer", "the answer", "find", "found", "find out", "found out", "figure out", "figured out", "figure it out", "figured it out", "come up with", "came up with", "what did you find", "what did you get", "let me hear it", "what happened", "what came back", "anything new", "anything yet", "what have you got", "what you found", "any word", "word on that", "did you check", "check it", "did you get the result", "the result", "result", "the outcome", "outcome", "the verdict", "verdict", "hear anything back", "heard back", "heard anything", "look it up", "looked it up", "find it", "got an answer", "an answer", "anything for me", "that info", "the info", "that information", "the information", "what i asked", "the question i asked", "question i asked", "lookup", "that lookup", "get back to me", "got back to me", "come back to me", "is it ready", "look into that", "looked into that", "looking something up", "check something"],
    cues: ["what", "any", "did", "have", "has", "is there", "do you have", "got", "let me hear it", "tell me", "anything"],
    words: ["any", "got", "do you have", "is there", "yet", "for me", "on that", "on it", "about", "about that", "about it", "my", "earlier", "other", "last", "question", "previous", "the", "what", "did", "you", "have", "has", "what is", "what was", "okay", "anything", "something", "it", "that", "there", "back", "hear", "so far", "to my", "came back", "come back", "with", "heard", "new", "happened", "so", "tell me", "tell", "me", "was", "is", "i asked", "i asked you", "you were", "looking into", "looking up", "checking", "working on", "from", "before", "about my question", "with that", "all right", "then", "now", "by now", "already", "able to", "were you able to", "manage to", "did you manage to", "get", "out", "well", "you said", "you would", "you were going to", "going to", "is it", "ready", "an", "that thing", "thing", "on the question", "i asked earlier", "asked", "have you got", "right", "about the", "result of", "of", "into", "looking", "look", "you got", "back to me", "to me", "said", "would", "were", "going", "any news", "on what", "is there an update", "update on"],
  },
  answer(ctx) {
    const working = ctx.working();
    return working
      ? `Not yet: I'm still working on ${working}. I'll tell you as soon as I have it.`
      : "I don't have anything new for you right now.";
  },
};
