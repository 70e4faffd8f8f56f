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
  answer(ctx) {
    const last = ctx.lastAnswer();
    return last ?? "I haven't said anything yet on this call. What can I do for you?";
  },
};
