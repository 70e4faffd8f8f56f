import { type Intent, whole } from "./types.js";

/** Things the user may call their cron jobs, scheduled calls or reminders. */
const NOUN =
  "(?:cron jobs?|cron|automations?|automated (?:jobs?|tasks?)|reminders?|schedules|scheduled (?:jobs?|tasks?|calls?|things|items|stuff|automations?|reminders?|briefings?)|recurring (?:jobs?|tasks?|calls?)|timed jobs?|briefings?|jobs? (?:on a|on the) schedule)";
const OWNER = "(?:my|the|our|all my|all the|all of my|any|any of my)";
const STATE =
  "(?: (?:set up|set|running|scheduled|active|enabled|configured|on|in place|there|coming up|planned))?";
const WHEN =
  "(?: (?:right now|at the moment|currently|today|now|for today|for tomorrow|tomorrow|this week|for this week))?";
const KIND = "(?:morning|evening|daily|weekly|nightly|next|first|afternoon|monthly|hourly)";
const THING =
  "(?:briefing|reminder|cron job|job|automation|scheduled call|scheduled job|check in|report|digest|summary)";

export const cron: Intent = {
  name: "cron",
  patterns: [
    whole(
      // "what cron jobs do I have", "what scheduled jobs are running", "which reminders are set up"
      `(?:what|which) ${NOUN} (?:do|have) (?:i|we) (?:have|got)${STATE}${WHEN}`,
      `(?:what|which) ${NOUN} (?:are|is) (?:there|set up|set|running|scheduled|active|enabled|configured|coming up|planned)${WHEN}`,
      `(?:what|which) ${NOUN} (?:are|is) (?:there|set up|set|running|scheduled|active|enabled)${WHEN}`,
      // "what are my scheduled calls", "what are the cron jobs"
      `what (?:are|is) ${OWNER} ${NOUN}${STATE}${WHEN}`,
      // "list my cron jobs", "tell me my reminders", "read me the schedules"
      `(?:(?:can|could|would) you )?(?:list|tell me|read|read me|read out|show me|go over|go through|give me|run through|check)(?: all)? ${OWNER} ${NOUN}${STATE}`,
      `(?:(?:can|could|would) you )?(?:tell me|let me know) (?:what|which) ${NOUN} (?:i have|are set up|are running|there are)`,
      // "do I have any reminders set up", "are there any cron jobs"
      `(?:do|have) (?:i|we) (?:have|got) (?:any )?${NOUN}${STATE}${WHEN}`,
      `(?:are there |is there )?(?:any )${NOUN}${STATE}${WHEN}`,
      `how many ${NOUN} (?:do i have|have i got|are there|are (?:set up|running|scheduled|active))${WHEN}`,
      `(?:my )?(?:cron jobs|scheduled calls|automations|schedules)`,
      // "what's scheduled"
      `what is (?:scheduled|on the schedule|set to run|automated)${WHEN}`,
      `what (?:do i have|have i got|is there|have we got) scheduled${WHEN}`,
      `what (?:is|are) (?:set to|going to|scheduled to) run(?: next| today| tonight)?`,
      `what runs (?:next|today|tonight|automatically)`,
      // "when is my next briefing", "when does the morning briefing run"
      `when (?:is|does|will|do) ${OWNER} (?:${KIND} )*(?:[a-z]+ )?${THING}s?(?: (?:run|runs|go off|happen|fire|start|come|get sent|scheduled|going to run|next))?(?: next)?`,
      `when is ${OWNER}? ?next (?:scheduled call|cron job|automation|reminder|briefing|job run|scheduled run|scheduled job)`,
      // "what calls do I have scheduled", "what calls are scheduled", "what's my next scheduled job"
      `(?:what|which) (?:calls|jobs|briefings|reminders) (?:do (?:i|we) have|have (?:i|we) got|are) scheduled(?: today| this week| for today)?`,
      `what is ${OWNER} next (?:scheduled (?:call|job|run)|cron job|automation|reminder|briefing)`,
      `when (?:will|does) ${OWNER} (?:${KIND} )*(?:briefing|briefing call|scheduled call|reminder|check in call) (?:come|arrive|ring|call|happen)(?: next)?`,
      `what is on ${OWNER} schedule of calls`,
      `when is ${OWNER} next (?:call|briefing|reminder|job) (?:scheduled|due|set)`,
    ),
  ],
  lexicon: {
    anchors: ["cron jobs", "cron", "automations", "automation", "automated", "reminders", "reminder", "schedules", "scheduled", "recurring", "briefing", "briefings", "morning briefing", "digest", "timed jobs", "wake up call", "wake up calls", "check in call", "check in calls"],
    cues: ["what", "which", "what is", "when", "any", "how many", "list", "tell me", "read", "read me", "read out", "show me", "go over", "go through", "run through", "give me", "check", "do i have", "have i got", "do we have", "are there", "is there", "is my", "is the", "are my", "next", "let me know"],
    words: ["are", "is", "do", "i", "have", "got", "there", "any", "my", "the", "our", "all", "of", "all of", "set", "set up", "running", "active", "enabled", "configured", "on", "in place", "coming up", "planned", "right now", "at the moment", "currently", "today", "now", "for today", "tomorrow", "for tomorrow", "this week", "tonight", "can you", "could you", "would you", "you", "me", "does", "will", "next", "run", "runs", "go off", "goes off", "happen", "fire", "start", "come", "get sent", "morning", "evening", "daily", "weekly", "nightly", "first", "afternoon", "monthly", "hourly", "call", "calls", "job", "jobs", "tasks", "things", "items", "stuff", "it", "what time", "time", "at", "a", "what", "which", "when", "how many", "we", "to", "supposed to", "going to", "due", "for", "that", "those", "these", "exist", "still", "again", "okay", "all right", "and", "or", "left", "remaining", "upcoming", "coming", "up", "lined up", "happening", "us", "ones", "one"],
  },
  answer(ctx, n) {
    return ctx.cronSummary(n);
  },
};
