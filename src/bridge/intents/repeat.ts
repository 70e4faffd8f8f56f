import { type Intent, whole } from "./types.js";

const SORRY = "(?:(?:sorry|i am sorry|pardon|pardon me|excuse me|what|huh|oh)(?: )?)*";
export const repeat: Intent = {
  name: "repeat",
  patterns: [
    whole(
      `${SORRY}(?:(?:can|could|would|will) you )?(?:say|repeat) (?:that|it|this|what you said|the last (?:part|bit|thing))(?: again| one more time| once more| for me| again for me)?`,
      `${SORRY}(?:(?:can|could|would|will) you )?repeat(?: yourself| again| that again)?`,
      `${SORRY}(?:(?:can|could|would|will) you )?say (?:that|it) again`,
      `${SORRY}what (?:did you (?:just )?say|was that|did you just say|was that again)`,
      `${SORRY}come again`,
      `${SORRY}one more time`,
      `${SORRY}i (?:did not|can not|could not|cannot) (?:catch|hear|get|understand) (?:that|you|what you said)(?: at all)?`,
      `${SORRY}i missed (?:that|what you said)`,
      `(?:(?:sorry|i am sorry|pardon|excuse me|oh) )*(?:sorry|pardon|pardon me|excuse me|what|huh|say again|again|you what)`,
    ),
  ],
  lexicon: {
    anchors: ["repeat", "say that again", "say it again", "come again", "one more time", "pardon", "what did you say", "what did you just say", "what was that", "did not catch", "did not hear", "did not get", "missed that", "missed", "could not hear", "can not hear", "could not catch", "did not understand", "could not understand", "say again", "once more", "say that one more time", "run that by me again", "go over that again", "i beg your pardon", "beg your pardon", "say that last bit again", "repeat it", "what was the answer again", "what was the last thing you said", "the last thing you said", "you cut out", "you broke up", "what did you say just now", "did not quite hear", "did not quite catch"],
    words: ["sorry", "i am sorry", "excuse me", "what", "huh", "can", "could", "would", "will", "you", "that", "it", "this", "the last", "part", "bit", "thing", "what you said", "said", "i", "for me", "again", "the last part", "the last bit", "the last thing", "last", "one", "sentence", "answer", "say", "slowly", "slower", "more slowly", "a bit slower", "louder", "a bit louder", "just", "all of", "all", "of", "that last", "catch", "hear", "get", "understand", "the", "what was", "was", "what", "me", "back", "to me", "last thing", "bit again", "sorry what", "you just", "just said", "did", "you say", "mate", "buddy", "sir", "there", "properly", "clearly", "well", "quite", "the line was bad", "line was bad", "line", "bad", "i was driving", "driving", "just now", "wait", "wait wait", "you broke up", "the answer", "you said", "that last bit", "last bit"],
  },
  answer(ctx) {
    const last = ctx.lastAnswer();
    return last ?? "I haven't said anything yet on this call. What can I do for you?";
  },
};
