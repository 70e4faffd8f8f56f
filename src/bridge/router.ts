import {
  IntentClassifier,
  type IntentGuess,
  packIntentWeights,
  shippedIntentTable,
} from "./intent-model/classifier.js";
import { classifierWords, clausesOf } from "./intent-model/features.js";
import type { IntentWeights } from "./intent-model/weights.js";
import { GREETING_WORDS } from "./intents/greeting.js";
import { INTENTS, type Intent } from "./intents/index.js";
import { type CompiledLexicon, compileIntentLexicons, lexiconAccepts } from "./lexicon.js";
import { dropLeadingMarkers, leadingMarkersOf, normalize, normalizeKeepingLead } from "./normalize.js";

export interface RouteResult {
  intent: Intent | undefined;
  /** The normalised text the intent matched (after a leading greeting was removed). */
  normalized: string;
}

/** Frames that ask politely without changing the question. */
const POLITE =
  /^(?:(?:can|could|would|will) you (?:please )?(?:tell me|let me know)|may i (?:know|ask)|kindly tell me|i (?:want|would like|wanted) to know|i was wondering|do you know|tell me) /;

/**
 * How sure the classifier must be before its guess is answered without the model. Chosen leaving each
 * tuning part out in turn: from 0.85 to 0.75 added 325 right answers for 14 wrong (most of those a
 * neighbouring intent); lower, the wrong ones grow faster than a model turn is worth.
 */
export const MIN_CONFIDENCE = 0.75;
/** A guess that ends the call must be surer: hanging up on a caller is the worst wrong answer. */
export const MIN_CONFIDENCE_TO_HANG_UP = 0.9;
/**
 * Longer turns are not guessed at: a long turn mostly carries a request (or pasted text, such as a forged
 * task report full of "job" and "completed"), and under 1 % of the labelled intents are this long.
 */
export const MAX_WORDS_TO_GUESS = 20;

export interface RouterOptions {
  /** The classifier's weights; the shipped ones by default, `false` for patterns and vocabularies only. */
  readonly weights?: IntentWeights | false;
}

const GREETING_PREFIX = new RegExp(`^${GREETING_WORDS}(?: ${GREETING_WORDS})*(?: there)?(?: |$)`);

/**
 * The fast-path router. Precision beats recall: every pattern must cover the whole normalised
 * utterance, so "hi can you book a table" or "schedule a meeting with Bob" fall through to the
 * model. A greeting followed by a real question is the question.
 */
export class IntentRouter {
  #namePrefix: RegExp | undefined;
  #nameAnywhere: RegExp | undefined;
  readonly #intents: readonly Intent[];
  readonly #lexicons: readonly [Intent, CompiledLexicon][];
  readonly #weights: IntentWeights | false | undefined;
  #loaded: IntentClassifier | undefined;
  #unreadable = false;

  constructor(intents: readonly Intent[] = INTENTS, options: RouterOptions = {}) {
    this.#intents = intents;
    this.#lexicons = compileIntentLexicons(intents);
    this.#weights = options.weights;
  }

  /**
   * Compiles the intents' patterns and reads the classifier's weights now rather than on a caller's
   * first turn (the bridge calls it just after it starts listening, so starting stays quick).
   */
  warm(): void {
    this.route("warm up");
    if (this.#unreadable) this.#load(); // throws again, for the caller to log
  }

  /**
   * Read on first use: some 30 ms and a megabyte or two that a bridge should not pay before listening.
   * Weights that cannot be read leave the patterns and vocabularies answering; a turn never throws.
   */
  #classifier(): IntentClassifier | undefined {
    if (this.#weights === false || this.#unreadable) return undefined;
    if (!this.#loaded) {
      try {
        this.#load();
      } catch {
        this.#unreadable = true;
        return undefined;
      }
    }
    return this.#loaded;
  }

  #load(): void {
    const lexicons = this.#lexicons.map(([i, lex]) => [i.name, lex] as const);
    const table = this.#weights ? packIntentWeights(this.#weights) : shippedIntentTable();
    this.#loaded = new IntentClassifier(table, lexicons);
  }

  /**
   * Lets "hey Claw, what time is it" drop the agent's name along with the greeting, and "thank you
   * Claw bye" drop it where a caller says it in passing.
   */
  setAgentName(name: string | undefined): void {
    const n = name ? normalize(name) : "";
    const ok = n !== "" && /^[a-z0-9 ]{1,40}$/.test(n);
    this.#namePrefix = ok ? new RegExp(`^${n}(?: |$)`) : undefined;
    this.#nameAnywhere = ok ? new RegExp(`(?:^| )${n}(?= |$)`, "g") : undefined;
  }

  route(text: string): RouteResult {
    // Normalised once: the classifier also reads the leading markers the match drops.
    const whole = normalizeKeepingLead(text);
    return this.#route(dropLeadingMarkers(whole), text, whole);
  }

  routeNormalized(n: string): RouteResult {
    return this.#route(n, undefined, undefined);
  }

  #route(n: string, text: string | undefined, whole: string | undefined): RouteResult {
    if (n === "") return { intent: undefined, normalized: n };
    let hit = this.#match(n);
    // "this is Nova, yeah?" with the agent's own name checks who answered; a caller announcing
    // themselves ("this is Sam") is the greeting's.
    if (hit?.name === "greeting") hit = this.#checksWho(n) ?? hit;
    if (hit) return { intent: hit, normalized: n };
    // "hey Claw how are you" → "how are you"; "hi can you book a table" → no intent.
    let rest = n;
    const g = GREETING_PREFIX.exec(rest);
    if (g) rest = rest.slice(g[0].length);
    if (this.#namePrefix) {
      const m = this.#namePrefix.exec(rest);
      if (m) rest = rest.slice(m[0].length);
    }
    if (rest === "" && rest !== n) return { intent: g ? this.#byName("greeting") : undefined, normalized: n };
    if (rest !== n) {
      hit = this.#match(rest);
      if (hit) return { intent: hit, normalized: rest };
    }
    // The name said in passing ("thanks Claw bye", "what time is it Claw").
    const unnamed = this.#nameAnywhere ? rest.replace(this.#nameAnywhere, "").trim() : rest;
    if (unnamed !== rest && unnamed !== "") {
      hit = this.#match(unnamed);
      // "this is Nova yeah" leaves "this is yeah", which the greeting would take for a caller's name.
      if (!hit || hit.name === "greeting") hit = this.#afterName(unnamed) ?? hit;
      if (hit) return { intent: hit, normalized: unnamed };
    }
    // A polite frame around a question the intents know ("may I know your name").
    const bare = unnamed.replace(POLITE, "");
    if (bare !== unnamed && bare !== "") {
      hit = this.#match(bare);
      if (hit) return { intent: hit, normalized: bare };
    }
    // Phrasings no pattern foresaw, told by their words alone; two intents claiming them is a no.
    const guess = this.#guess(n, text, whole);
    for (const form of bare === unnamed || bare === "" ? [unnamed] : [unnamed, bare]) {
      const lexical = this.#lexical(form);
      // A word bag also accepts near-misses ("did I get the job"); the classifier, which has seen
      // them, overrules a hit whose intent it does not rank first.
      if (lexical && (!guess || guess.label === lexical.name)) return { intent: lexical, normalized: form };
    }
    // What neither foresaw, told by a model of the labelled phrasings when it is sure enough.
    return { intent: guess && this.#sureEnough(guess), normalized: rest };
  }

  #guess(n: string, text: string | undefined, whole: string | undefined): IntentGuess | undefined {
    const classifier = this.#classifier();
    if (!classifier) return undefined;
    const words = classifierWords(n, this.#nameAnywhere);
    if (words.length > MAX_WORDS_TO_GUESS) return undefined;
    if (text === undefined || whole === undefined) return classifier.classify(words);
    return classifier.classify(
      words,
      clausesOf(text, normalize, this.#nameAnywhere),
      leadingMarkersOf(whole),
    );
  }

  #sureEnough({ label, confidence }: IntentGuess): Intent | undefined {
    const intent = this.#byName(label);
    if (!intent) return undefined;
    const needed = intent.minConfidence ?? (intent.endCall ? MIN_CONFIDENCE_TO_HANG_UP : MIN_CONFIDENCE);
    return confidence < needed ? undefined : intent;
  }

  #checksWho(n: string): Intent | undefined {
    if (!this.#nameAnywhere) return undefined;
    const unnamed = n.replace(this.#nameAnywhere, "").trim();
    return unnamed === n || unnamed === "" ? undefined : this.#afterName(unnamed);
  }

  /** An intent whose afterName patterns hold the turn once the agent's name is taken out. */
  #afterName(unnamed: string): Intent | undefined {
    return this.#intents.find((i) => i.afterName?.some((re) => re.test(unnamed)));
  }

  #match(n: string): Intent | undefined {
    for (const intent of this.#intents) {
      for (const re of intent.patterns) if (re.test(n)) return intent;
    }
    return undefined;
  }

  #lexical(n: string): Intent | undefined {
    const words = n.split(" ");
    let found: Intent | undefined;
    for (const [intent, lex] of this.#lexicons) {
      if (!lexiconAccepts(lex, words)) continue;
      if (found) return undefined;
      found = intent;
    }
    return found;
  }

  #byName(name: string): Intent | undefined {
    return this.#intents.find((i) => i.name === name);
  }
}
