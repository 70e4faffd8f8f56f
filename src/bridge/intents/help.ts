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
  lexicon: {
    anchors: ["help", "options", "features", "commands", "capabilities", "capable of", "abilities", "skills", "what can you do", "what do you do", "what can i ask", "what can i say", "what could you do", "things", "stuff", "how does this work", "how do i use", "how do i use this", "how do i use you", "how does it work", "how do you work", "able to do", "able to help", "what can this assistant do", "what can you help with", "what all can you do", "what are you good at", "what are you good for", "what can i use you for", "what services do you offer", "what tricks do you know", "what is possible", "possible with you", "ideas what i can ask", "what i can ask", "what you can do", "what kind of help", "help do you give", "what else can you do"],
    cues: ["what", "which", "how", "can", "could", "help", "options", "features", "commands", "capabilities", "abilities", "skills", "able to do", "able to help", "capable of"],
    words: ["what", "can", "could", "you", "i", "do", "for me", "help", "me", "with", "ask", "about", "kind of", "sort of", "type of", "kinds of", "types of", "sorts of", "questions", "are", "your", "the", "my", "able to", "know how to", "how", "does", "work", "use", "here", "on this call", "today", "exactly", "else", "all", "tell me", "tell", "list", "need", "i need", "want", "some", "anything", "is", "there", "what else", "other", "in general", "out", "help me out", "again", "so", "okay", "all right", "like", "things", "stuff", "to", "get", "ask you", "ask you about", "ask you to do", "useful", "be", "of", "do for me", "explain", "give me", "ideas", "besides talking", "on the phone", "be useful", "useful to me", "how can you", "i am new", "new", "this assistant", "assistant", "for today", "you do", "besides", "talking", "for", "offer", "services", "know", "tricks", "good at", "good for", "help do you give", "kind of help"],
  },
  answer(ctx) {
    return `You can ask me anything you'd ask ${ctx.agentName()} in chat. I can also tell you your scheduled jobs, how your background tasks are going, the time, and how many call minutes you have left. Say goodbye when you're done.`;
  },
};
