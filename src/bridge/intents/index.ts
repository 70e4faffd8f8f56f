import { acknowledge } from "./acknowledge.js";
import { cron } from "./cron.js";
import { goodbye } from "./goodbye.js";
import { greeting } from "./greeting.js";
import { help } from "./help.js";
import { identity } from "./identity.js";
import { minutes } from "./minutes.js";
import { more } from "./more.js";
import { news } from "./news.js";
import { repeat } from "./repeat.js";
import { tasks } from "./tasks.js";
import { time } from "./time.js";
import type { Intent } from "./types.js";
import { wellbeing } from "./wellbeing.js";

export type { FastContext, Intent, IntentName } from "./types.js";
export { repliesToAQuestion } from "./types.js";

/** Every fast-path intent, in the order the router tries them (most specific first). */
export const INTENTS: readonly Intent[] = [
  repeat,
  more,
  goodbye,
  acknowledge,
  news,
  identity,
  wellbeing,
  time,
  minutes,
  cron,
  tasks,
  help,
  greeting,
];
