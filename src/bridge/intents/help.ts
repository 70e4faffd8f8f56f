import { type Intent, whole } from "./types.js";

export const help: Intent = {
  name: "help",
  patterns: [
    whole(
      `what (?:can|could) (?:you|i) (?:do|help (?:me )?with|ask(?: you)?(?: about| to do)?|say)(?: for me| here| on this call)?`,
      `what (?:can|could) i (?:ask|tell) you(?: to do)?`,
      `how (?:can|could) you help(?: me)?(?: today| here)?`,
      `what (?:can|could) i do with you`,
      `what (?:things|stuff) (?:can|could) you (?:help(?: me)? with|do)`,
      `what (?:are you able to|do you know how to) do`,
      `what (?:are you able to|can you) help (?:me )?with`,
      `what (?:kinds?|sorts?|types?) of (?:things|stuff|questions) (?:can|could) (?:i ask(?: you)?|you (?:do|help with|answer))`,
      `what (?:things|stuff|kind of things|sort of things) (?:can|could) (?:you do|i ask(?: you)?)`,
      `how (?:does|do) (?:this|you|this thing|this service|this call|clawcall) work`,
      `how do i use (?:this|you|clawcall)`,
      `(?:help|i need help|help me out|can you help me|what are my options|what are (?:your|the) (?:options|commands|features))`,
      `what do you do`,
    ),
  ],
  answer(ctx) {
    return `You can ask me anything you'd ask ${ctx.agentName()} in chat. I can also tell you your scheduled jobs, how your background tasks are going, the time, and how many call minutes you have left. Say goodbye when you're done.`;
  },
};
