import { type Intent, whole } from "./types.js";

/** Names of background work a user asks about. */
const WORK =
  "(?:tasks?|jobs?|background (?:jobs?|tasks?|work|processes)|deploy(?:ment)?s?|builds?|backups?|migrations?|exports?|imports?|uploads?|downloads?|syncs?|sync job|scans?|test run|tests|test suite|release|render|renders|install(?:ation)?|update|upgrade|training run|training|indexing|index job|crawl|analysis|compile|pipeline|ci|script|research|report|work)";
const OWNER = "(?:my|the|that|those|our|this|your)";
const DONE =
  "(?:done|finished|complete|completed|ready|over|through|successful|still running|running|still going|working|out|live|deployed)";
const YET = "(?: yet| now| already| by now)?";

export const tasks: Intent = {
  name: "tasks",
  patterns: [
    whole(
      // "what tasks are running", "which jobs are still going"
      `(?:what|which) (?:background )?(?:tasks|jobs|processes|work) (?:are|is) (?:still )?(?:running|pending|active|in progress|going|queued|open|outstanding|underway|going on|in flight)${YET}`,
      `(?:what|which) (?:background )?(?:tasks|jobs) (?:do|have) (?:i|we|you) (?:have|got)(?: running| going| pending| open| in progress)?`,
      // "what's the status of my tasks", "status of the deploy"
      `(?:what is )?(?:the )?status (?:of|on) ${OWNER} ${WORK}`,
      `(?:what is )?(?:the )?(?:task|job|deploy|deployment|build) status`,
      `(?:any )?(?:updates?|news|progress) (?:on|about|with) ${OWNER} ${WORK}`,
      // "is the deployment done yet", "are my backups finished"
      `(?:is|are) ${OWNER} (?:[a-z]+ )?${WORK} (?:(?:all )?${DONE})${YET}`,
      `(?:has|have) ${OWNER} (?:[a-z]+ )?${WORK} (?:finished|completed|succeeded|failed|gone through|run|started|gone out|landed|passed)${YET}`,
      // "did the build finish", "did my backup succeed"
      `did ${OWNER} (?:[a-z]+ )?${WORK} (?:finish|complete|succeed|work|go through|fail|pass|run|land|go out|get done)${YET}`,
      // "any background jobs still going"
      `(?:are there |is there )?any (?:background )?(?:tasks|jobs|processes|work) (?:still )?(?:running|going|pending|in progress|active|queued|outstanding|underway)${YET}`,
      `(?:are there |is there )?any (?:background )?(?:tasks|jobs) (?:still )?(?:running|going|pending|in progress|active|queued|outstanding|underway)${YET}`,
      `(?:any|are there any) (?:background tasks|background jobs|pending tasks|running tasks|open tasks|running jobs|active jobs|active tasks|pending jobs)`,
      `(?:what is )?(?:the )?progress (?:of|on|with) ${OWNER} ${WORK}`,
      // "what are you working on"
      `what are you (?:working on|doing|busy with|up to)(?: right now| at the moment| now| for me| currently)?`,
      `what (?:is|are) (?:you|running) (?:working on|in the background)`,
      `what is (?:running|happening|going on) in the background`,
      `what is (?:still )?(?:running|pending|in progress)(?: right now| at the moment)?`,
      // "how's that task coming along"
      `how is ${OWNER} (?:[a-z]+ )?${WORK} (?:coming along|going|doing|progressing|looking|getting on)`,
      `how (?:are|is) ${OWNER} (?:[a-z]+ )?${WORK} (?:coming along|going|doing|progressing)`,
      `how far along is ${OWNER} (?:[a-z]+ )?${WORK}`,
      // "do I have anything pending"
      `(?:do|have) (?:i|we) (?:have|got) (?:anything|something|any tasks|any jobs|any work) (?:pending|running|in progress|queued|outstanding|going)`,
      `(?:is there |is )?anything (?:still )?(?:pending|running|in progress|queued|outstanding)(?: right now| at the moment| now)?`,
      `(?:my|the) (?:tasks|background tasks|background jobs|task list|pending tasks)`,
      `(?:list|tell me|show me|read me|give me|check)(?: all)? (?:my|the|our|any) (?:tasks|background tasks|background jobs|running tasks|pending tasks|jobs)`,
      `how many (?:tasks|background tasks|jobs) (?:are|do i have) (?:running|pending|in progress|open)?(?: right now| now| at the moment)?`,
      // "are any tasks failing", "did anything fail", "what failed", "how are my tasks going"
      `(?:are|is) (?:any|some|all) (?:of )?(?:my |the |our )?(?:tasks|jobs|background tasks|background jobs|builds|deploys|backups) (?:failing|failed|broken|erroring|stuck)(?: right now| now| today)?`,
      `(?:did|has|have) (?:anything|any (?:of )?(?:my |the )?(?:tasks?|jobs?|builds?|backups?|deploys?)) (?:fail|failed|break|broken|go wrong|gone wrong|error|errored)(?: today| overnight| last night| recently)?`,
      `(?:what|which) (?:tasks|jobs|background tasks) (?:failed|are failing|have failed|broke|went wrong)(?: today| overnight| last night| recently)?`,
      `(?:what|anything) (?:failed|went wrong|broke)(?: today| overnight| last night| recently)?`,
      `(?:any )?(?:failed|failing|broken) (?:tasks|jobs|builds|backups|deploys)`,
      `how (?:are|is) (?:my |the |our |all (?:my |the )?)?(?:tasks|jobs|background tasks|background jobs) (?:going|doing|looking|coming along)(?: overall| today)?`,
      `how (?:are|is) (?:things|everything|it) (?:going|looking) with (?:my|the|our) (?:tasks|jobs|background tasks|background jobs|builds|deploys|backups)`,
      `(?:are|is) (?:my|the|our) (?:tasks|jobs|background tasks|background jobs|builds|deploys|backups|tests) (?:failing|broken|erroring|stuck)(?: right now| now| today)?`,
    ),
  ],
  lexicon: {
    anchors: ["tasks", "task", "jobs", "job", "background", "background jobs", "background tasks", "deploy", "deployment", "deploys", "build", "builds", "backup", "backups", "migration", "migrations", "export", "import", "upload", "download", "sync", "scan", "test run", "tests", "test suite", "release", "render", "install", "installation", "training run", "indexing", "crawl", "pipeline", "script", "scripts", "processes", "anything fail", "anything failed", "anything failing", "something fail", "something failed", "background work", "the agents", "agents", "processing", "anything still processing", "work in the background", "in the background", "the summary task", "summary task", "everything finish", "did everything finish", "everything finished"],
    cues: ["what", "which", "what is", "how", "is", "are", "did", "has", "have", "any", "anything", "status", "progress", "list", "tell me", "show me", "read me", "give me", "check", "how many", "update on", "updates on", "news on", "let me know", "know"],
    words: ["the", "my", "our", "that", "those", "this", "these", "your", "status", "of", "on", "with", "any", "updates", "update", "news", "progress", "still", "running", "pending", "active", "in progress", "going", "queued", "open", "outstanding", "underway", "going on", "in flight", "yet", "now", "already", "by now", "done", "finished", "complete", "completed", "ready", "over", "through", "successful", "working", "out", "live", "deployed", "finish", "succeed", "succeeded", "fail", "failed", "failing", "broken", "erroring", "stuck", "error", "errored", "errors", "go through", "gone through", "pass", "passed", "run", "ran", "land", "landed", "go wrong", "gone wrong", "went wrong", "broke", "coming along", "doing", "progressing", "looking", "getting on", "far along", "how far", "far", "along", "i", "we", "you", "got", "do", "have", "anything", "something", "all", "how many", "overall", "today", "overnight", "last night", "recently", "working on", "busy with", "in the background", "happening", "right now", "at the moment", "currently", "things", "everything", "it", "they", "get done", "and", "can you", "could you", "would you", "there", "are there", "is there", "me", "for me", "were", "was", "been", "has been", "have been", "been running", "okay", "all right", "good", "fine", "well", "problems", "issues", "any problems", "any issues", "of them", "them", "one", "ones", "whole", "list", "left", "remaining", "to do", "again", "so far", "how is", "how are", "tell me", "check", "if", "whether", "or", "not", "did not", "succeeded", "successfully", "smoothly", "crashed", "crash", "wrapped up", "wrap up", "coming on", "how long until", "how long", "until", "how many are done", "how many left", "and how many", "are done", "state", "the state of", "status on", "a status", "give me a status", "happened with", "what happened", "left to do", "what is left", "pending in the background"],
  },
  answer(ctx, n) {
    return ctx.tasksSummary(n);
  },
};
