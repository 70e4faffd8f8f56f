import { type CompiledLexicon, lexiconFit } from "../lexicon.js";

/** The agent's own name, whatever it is, as the classifier sees it: "thanks _agent_ bye". */
export const AGENT_TOKEN = "_agent_";

/**
 * The words the classifier reads: the normalised utterance with the agent's name (a regex with the
 * `g` flag, or none) as AGENT_TOKEN, so weights learnt from "thanks Nova" serve "thanks Claw".
 */
export function classifierWords(normalized: string, agentName: RegExp | undefined): string[] {
  const named = agentName ? normalized.replace(agentName, ` ${AGENT_TOKEN} `) : normalized;
  return named.split(" ").filter((w) => w !== "");
}

/**
 * Words read also as one class each, so a rule learnt from a few spellings serves the rest. People:
 * "what can you do for my dad" (a request for someone else, the model's) teaches "... for my mom".
 * Parties one waits on against the world's news: "any news from the bank" is a reply the assistant
 * chases, "any news on the budget" is the model's. Things the assistant does for the owner and the
 * words for their state: "the water bill, you paid it?" asks after a job like "are the photos saved".
 */
const WORD_CLASSES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    _person_:
      "mum mom mam mummy mommy mother ma dad daddy father papa parents wife husband hubby missus partner " +
      "son daughter kids kid children child baby brother sister sis grandma grandmother grandad granddad " +
      "grandpa grandfather granny gran nan nana aunt auntie aunty uncle cousin nephew niece boss neighbour " +
      "neighbor colleague girlfriend boyfriend fiance fiancee landlord landlady teacher doctor client",
    _party_:
      "bank council school surgery hospital clinic gp dentist vet vets plumber electrician builder builders " +
      "roofer mechanic garage lawyer lawyers solicitor solicitors accountant insurer insurers embassy " +
      "consulate airline agency agent recruiter recruiters hr university uni college nursery tenant tenants " +
      "contractor contractors supplier suppliers courier seller buyer buyers lender broker employer " +
      "hmrc irs dvla nhs",
    _world_:
      "election elections vote voting referendum polls government govt parliament congress senate minister " +
      "president mayor governor chancellor budget economy inflation rates recession markets stocks shares " +
      "currency prices oil war wars ceasefire conflict invasion troops army military protest protests strike " +
      "strikes riots sanctions summit tariffs inquiry scandal earthquake hurricane cyclone typhoon flood " +
      "floods flooding storm storms wildfire wildfires bushfire bushfires drought heatwave weather forecast " +
      "pandemic virus flu outbreak covid match game games score scores final league cup tournament squad " +
      "injury players season derby olympics playoffs headlines royals king queen pope traffic roadworks",
    _job_:
      "backup backups photos photo pictures pics photies photographs files documents upload uploads download " +
      "downloads render renders export exports sync report reports invoice invoices payroll order orders " +
      "payment payments bill bills form forms application renewal prescription prescriptions letter letters " +
      "transfer refund claim booking scraper scrapers build builds deploy migration conversion summary tracker",
    _state_:
      "done finished complete completed paid sent submitted saved backed uploaded downloaded processed filed " +
      "lodged posted approved cleared gone through ordered renewed sorted running stuck failed failing ready",
  }).flatMap(([token, words]) => words.split(" ").map((w) => [w, token] as const)),
);

/** Unknown words beyond this count as "far" from an intent's vocabulary. */
const FIT_BUDGET = 3;

/**
 * The intent classifier's evidence for one utterance (normalised words, the agent's name already
 * replaced by AGENT_TOKEN): the words, their pairs and triples (with the utterance's edges), pairs one
 * word apart, a word of WORD_CLASSES also as its class (with the opening word, and which classes meet),
 * letter triples and quadruples (speech-to-text
 * misspells "minuets", "thyme": the letters survive), the length, and how near the utterance comes to
 * each intent's hand-written vocabulary; for a turn of several clauses, also its first and last clause
 * on their own (clausesOf); and the discourse markers normalisation dropped from its start
 * (leadingMarkers), alone and with the first word kept. Without repeats.
 */
export function intentFeatures(
  words: readonly string[],
  lexicons: readonly (readonly [string, CompiledLexicon])[],
  clauses?: Clauses,
  lead: readonly string[] = [],
): string[] {
  const out = new Set<string>();
  for (const m of lead) out.add(`ld:${m}`);
  if (lead.length > 0) out.add(`ld:${lead[lead.length - 1]}_${words[0] ?? "$"}`);
  if (clauses) {
    clauseFeatures(out, "h", clauses.first, lexicons);
    clauseFeatures(out, "e", clauses.last, lexicons);
  }
  out.add(`len:${Math.min(words.length, 12)}`);
  const seen = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    out.add(`w:${w}`);
    out.add(`b:${i === 0 ? "^" : words[i - 1]}_${w}`);
    if (i === words.length - 1) out.add(`b:${w}_$`);
    // Triples and skipped pairs keep a little order: "what is it" against "what it is".
    if (i >= 1) out.add(`t:${i === 1 ? "^" : words[i - 2]}_${words[i - 1]}_${w}`);
    if (i >= 2) out.add(`s:${words[i - 2]}_${w}`);
    const cls = WORD_CLASSES.get(w);
    if (cls) {
      out.add(`w:${cls}`);
      out.add(`b:${i === 0 ? "^" : words[i - 1]}_${cls}`);
      if (i >= 1) {
        out.add(`t:${i === 1 ? "^" : words[i - 2]}_${words[i - 1]}_${cls}`);
        // The turn's opening word with a class anywhere after it: "did ... paid", "any ... election".
        out.add(`cf:${words[0]}_${cls}`);
      }
      for (const other of seen) if (other !== cls) out.add(`cc:${[other, cls].sort().join("+")}`);
      seen.add(cls);
    }
    const padded = `<${w}>`;
    for (let k = 3; k <= 4; k++) {
      for (let j = 0; j + k <= padded.length; j++) out.add(`c:${padded.slice(j, j + k)}`);
    }
  }
  for (const [name, lex] of lexicons) {
    const fit = lexiconFit(lex, words, FIT_BUDGET);
    if (fit.complete <= FIT_BUDGET) out.add(`lx:${name}:complete:${fit.complete}`);
    else if (fit.anchored <= FIT_BUDGET) out.add(`lx:${name}:anchored:${fit.anchored}`);
  }
  return [...out];
}

/** The first and last clause of a turn of two or more (split where the transcript has punctuation). */
export interface Clauses {
  readonly first: readonly string[];
  readonly last: readonly string[];
}

/** A turn's first and last clause as classifier words, or undefined for a turn of one clause. */
export function clausesOf(
  text: string,
  normalizeText: (t: string) => string,
  agentName: RegExp | undefined,
): Clauses | undefined {
  const parts = text
    .split(/[,.?!;:]+(?=\s|$)/)
    .map((p) => classifierWords(normalizeText(p), agentName))
    .filter((w) => w.length > 0 && !(w.length === 1 && w[0] === AGENT_TOKEN));
  if (parts.length < 2) return undefined;
  return { first: parts[0] as string[], last: parts[parts.length - 1] as string[] };
}

/**
 * A clause's words, pairs and nearness to each vocabulary, marked with where it stands: "what time is
 * it, my phone's dead" keeps its question whole although the aside's words lean elsewhere.
 */
function clauseFeatures(
  out: Set<string>,
  mark: string,
  words: readonly string[],
  lexicons: readonly (readonly [string, CompiledLexicon])[],
): void {
  out.add(`${mark}len:${Math.min(words.length, 8)}`);
  for (let i = 0; i < words.length; i++) {
    out.add(`${mark}w:${words[i]}`);
    out.add(`${mark}b:${i === 0 ? "^" : words[i - 1]}_${words[i]}`);
    if (i === words.length - 1) out.add(`${mark}b:${words[i]}_$`);
  }
  for (const [name, lex] of lexicons) {
    const fit = lexiconFit(lex, words, 1);
    if (fit.complete <= 1) out.add(`${mark}lx:${name}:${fit.complete}`);
  }
}
