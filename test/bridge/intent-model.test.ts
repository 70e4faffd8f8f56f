import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  IntentClassifier,
  packIntentWeights,
  packStoredIntentWeights,
  readShippedIntentWeights,
  shippedIntentTable,
} from "../../src/bridge/intent-model/classifier.js";
import { classifierWords, clausesOf, intentFeatures } from "../../src/bridge/intent-model/features.js";
import { trainIntentWeights } from "../../src/bridge/intent-model/train.js";
import { intentLexicons, labelledDataHash, trainingSet } from "../../src/bridge/intent-model/training-set.js";
import {
  decodeIntentWeights,
  encodeIntentWeights,
  type IntentWeights,
  StoredIntentWeightsSchema,
} from "../../src/bridge/intent-model/weights.js";
import { INTENTS } from "../../src/bridge/intents/index.js";
import { tasks } from "../../src/bridge/intents/tasks.js";
import { normalize } from "../../src/bridge/normalize.js";
import {
  IntentRouter,
  MAX_WORDS_TO_GUESS,
  MIN_CONFIDENCE,
  MIN_CONFIDENCE_TO_HANG_UP,
} from "../../src/bridge/router.js";

interface Case {
  text: string;
  intent: string;
}

const dir = new URL("../fixtures/router/", import.meta.url);
const tuningFiles = readdirSync(dir)
  .filter((f) => /^tuning.*\.jsonl$/.test(f))
  .sort();
const load = (f: string): Case[] =>
  readFileSync(new URL(f, dir), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Case);
const tuning = tuningFiles.flatMap(load);
const labels = ["none", ...INTENTS.map((i) => i.name as string)];

/** Weights whose only feature is one made-up word, scoring `label` so it wins with probability `p`. */
function oneWordWeights(word: string, label: string, p: number): IntentWeights {
  // Steps of 0.08 keep every weight a signed byte and p within about ±0.01 of what is asked.
  const scale = 0.08;
  // p = e^a / (e^a + others): the label's score a against zero for the rest.
  const a = Math.log((p * (labels.length - 1)) / (1 - p));
  const q = labels.map((l) => (l === label ? Math.round(a / scale) : 0));
  return { format: 1, labels, scale, data: "", examples: 0, features: { [`w:${word}`]: q } };
}

describe("intent classifier", () => {
  it("ships weights trained on the tuning parts as they are now (npm run train:router when stale)", () => {
    const shipped = decodeIntentWeights(readShippedIntentWeights());
    expect(tuningFiles.length).toBeGreaterThanOrEqual(8);
    expect(shipped.labels).toEqual(labels);
    expect(shipped.examples).toBe(tuning.length);
    // The fingerprint of the labelled text alone: building 200,000 feature sets here took 44 s on a busy machine.
    expect(shipped.data, "the tuning data changed: run npm run train:router").toBe(labelledDataHash(tuning));
  });

  it("retraining on the same data gives the shipped weights (no hand-edited model)", () => {
    const set = trainingSet(tuning);
    const again = trainIntentWeights(set.labels, set.examples, set.hash);
    const shipped = decodeIntentWeights(readShippedIntentWeights());
    expect(Object.keys(again.features).sort()).toEqual(Object.keys(shipped.features).sort());
    // Exact on one machine; another Node's Math.exp may round a last bit differently, so allow one step.
    let differ = 0;
    const far: string[] = [];
    for (const [f, q] of Object.entries(again.features)) {
      q.forEach((v, c) => {
        const d = Math.abs(v - (shipped.features[f]?.[c] as number));
        if (d > 1) far.push(f);
        if (d !== 0) differ++;
      });
    }
    expect(far, "weights more than one step from the shipped ones").toEqual([]);
    expect(differ / (Object.keys(again.features).length * labels.length)).toBeLessThan(0.001);
    // Training on ~230,000 lines takes ~70 s on an idle 2-core machine and ~100 s beside the rest of
    // the suite; a busier one must not fail it.
  }, 480_000);

  it("learns from examples and generalises to phrasings it was not given", () => {
    const cases = [
      ...["what time is it", "what's the time", "got the time", "time please", "tell me the time"].map(
        (text) => ({
          text,
          intent: "time",
        }),
      ),
      ...["book a table", "call my mum", "what's the weather", "play some music", "order a taxi"].map(
        (text) => ({
          text,
          intent: "none",
        }),
      ),
    ];
    const set = trainingSet(cases);
    const w = trainIntentWeights(set.labels, set.examples, set.hash, { minCount: 1, epochs: 30 });
    const clf = new IntentClassifier(packIntentWeights(w), intentLexicons());
    expect(clf.classify(classifierWords(normalize("the time please"), undefined)).label).toBe("time");
    expect(clf.classify(classifierWords(normalize("order some music"), undefined)).label).toBe("none");
    expect(trainIntentWeights(set.labels, set.examples, set.hash, { minCount: 1, epochs: 30 })).toEqual(w);
  });

  it("reads a relative as one class, so a request for one teaches a request for another", () => {
    // "for my ..." is help for a business, and the model's for a person.
    const help = ["business", "shop", "salon", "farm"];
    const none = ["dad", "sister", "son", "uncle"];
    const forMy = (who: string) => `what can you do for my ${who}`;
    const set = trainingSet([
      ...help.map((who) => ({ text: forMy(who), intent: "help" })),
      ...none.map((who) => ({ text: forMy(who), intent: "none" })),
    ]);
    const w = trainIntentWeights(set.labels, set.examples, set.hash, { minCount: 1, epochs: 30 });
    const clf = new IntentClassifier(packIntentWeights(w), intentLexicons());
    const label = (who: string) => clf.classify(classifierWords(normalize(forMy(who)), undefined)).label;
    // Never seen: "mom" and "grandma" are people, "bakery" is not (without the class all three are alike).
    expect([label("mom"), label("grandma"), label("bakery")]).toEqual(["none", "none", "help"]);
  });

  it("reads parties one waits on, world topics, jobs and their states as classes", () => {
    const news = ["any word on the bank", "any word on the council", "any word on the plumber"];
    const world = ["any word on the election", "any word on the budget", "any word on the war"];
    const jobs = ["the water bill you paid it", "the invoices you sent them", "the backup you finished it"];
    const chores = ["the water bill you pay it", "the invoices you send them", "the backup you start it"];
    const set = trainingSet([
      ...news.map((text) => ({ text, intent: "news" })),
      ...world.map((text) => ({ text, intent: "none" })),
      ...jobs.map((text) => ({ text, intent: "tasks" })),
      ...chores.map((text) => ({ text, intent: "none" })),
    ]);
    const w = trainIntentWeights(set.labels, set.examples, set.hash, { minCount: 1, epochs: 30 });
    const clf = new IntentClassifier(packIntentWeights(w), intentLexicons());
    const label = (text: string) => clf.classify(classifierWords(normalize(text), undefined)).label;
    // Never seen: the words differ from every example, only their classes are known.
    expect([label("any word on the vet"), label("any word on the storm")]).toEqual(["news", "none"]);
    expect([label("the prescription you submitted it"), label("the prescription you submit it")]).toEqual([
      "tasks",
      "none",
    ]);
  });

  it("stores weights as two strings and reads them back; refuses the wrong shape", () => {
    const w = oneWordWeights("flarb", "time", 0.9);
    const stored = encodeIntentWeights(w);
    expect(StoredIntentWeightsSchema.parse(JSON.parse(JSON.stringify(stored)))).toEqual(stored);
    expect(decodeIntentWeights(stored)).toEqual({
      ...w,
      features: { "w:flarb": [...(w.features["w:flarb"] ?? [])] },
    });
    expect(StoredIntentWeightsSchema.safeParse({ ...stored, features: "w:flarb\nw:other" }).success).toBe(
      false,
    );
    expect(StoredIntentWeightsSchema.safeParse({ ...stored, weights: "not base64!" }).success).toBe(false);
    expect(StoredIntentWeightsSchema.safeParse({ ...stored, format: 1 }).success).toBe(false);
    expect(() => encodeIntentWeights({ ...w, features: { "w:flarb": labels.map(() => 300) } })).toThrow(
      RangeError,
    );
  });

  it("packs the weights by feature key and scores exactly as the plain weights do", () => {
    const stored = readShippedIntentWeights();
    const plain = decodeIntentWeights(stored);
    const lexicons = intentLexicons();
    const clf = new IntentClassifier(shippedIntentTable(), lexicons);
    // The score by hand: the sum of each known feature's row (whole steps, so that ties stay ties),
    // times the scale, through softmax.
    const byHand = (words: string[]) => {
      const steps = plain.labels.map(() => 0);
      for (const f of intentFeatures(words, lexicons))
        plain.features[f]?.forEach((q, c) => {
          steps[c] = (steps[c] as number) + q;
        });
      const z = steps.map((s) => s * plain.scale);
      const top = Math.max(...z);
      const e = z.map((v) => Math.exp(v - top));
      const best = e.indexOf(Math.max(...e));
      return { label: plain.labels[best], confidence: (e[best] as number) / e.reduce((a, b) => a + b, 0) };
    };
    for (const c of tuning.filter((_, i) => i % 20 === 0)) {
      const words = classifierWords(normalize(c.text), undefined);
      const got = clf.classify(words);
      const want = byHand(words);
      expect(got.label, c.text).toBe(want.label);
      expect(got.confidence).toBeCloseTo(want.confidence as number, 9);
    }
    // Two features with one key (here: one name twice) cannot be told apart: refused.
    const twice = encodeIntentWeights({
      ...oneWordWeights("flarb", "time", 0.9),
      features: { "w:flarb": labels.map(() => 1), "w:other": labels.map(() => 2) },
    });
    expect(() => packStoredIntentWeights({ ...twice, features: "w:flarb\nw:flarb" })).toThrow(/share a key/);
  });

  it("reads a turn's first and last clause on their own, so an aside does not drown the question", () => {
    const nova = / nova(?= |$)|^nova(?= |$)/g;
    expect(clausesOf("what time is it, my phone's dead.", normalize, nova)).toEqual({
      first: ["what", "time", "is", "it"],
      last: ["my", "phones", "dead"],
    });
    // One clause, or a clause that is only the agent's name, adds nothing.
    expect(clausesOf("what time is it", normalize, nova)).toBeUndefined();
    expect(clausesOf("Nova, what time is it?", normalize, nova)).toBeUndefined();
    const set = trainingSet([
      ...[
        "what time is it, the clock stopped",
        "what time is it, I'm late",
        "what time is it, I'm on at six",
        "what time is it, the kids are up",
        "what time is it, I lost my watch",
        "what time is it please",
      ].map((text) => ({
        text,
        intent: "time",
      })),
      ...[
        "my phone is dead, charge it",
        "my phone is dead so call the shop",
        "my phone is dead, book a repair",
        "is my phone dead",
        "my phone is dead again",
      ].map((text) => ({ text, intent: "none" })),
    ]);
    const w = trainIntentWeights(set.labels, set.examples, set.hash, { minCount: 1, epochs: 30 });
    const clf = new IntentClassifier(packIntentWeights(w), intentLexicons());
    const turn = "what time is it, my phone is dead";
    const words = classifierWords(normalize(turn), undefined);
    expect(clf.classify(words, clausesOf(turn, normalize, undefined)).label).toBe("time");
    // The same words as one bag lean to the aside.
    expect(clf.classify(words).label).toBe("none");
  });

  it("reads the agent's name as the agent, whatever it is", () => {
    const clf = new IntentClassifier(shippedIntentTable(), intentLexicons());
    const nova = clf.classify(classifierWords(normalize("thanks Nova bye"), / nova(?= |$)|^nova(?= |$)/g));
    const zed = clf.classify(classifierWords(normalize("thanks Zed bye"), / zed(?= |$)|^zed(?= |$)/g));
    expect(zed).toEqual(nova);
  });
});

describe("router with the classifier", () => {
  it("answers a phrasing no pattern or vocabulary holds, and leaves it to the model without weights", () => {
    const text = "how much minute I have remain";
    expect(new IntentRouter(INTENTS, { weights: false }).route(text).intent).toBeUndefined();
    expect(new IntentRouter().route(text).intent?.name).toBe("minutes");
  });

  it("answers a guess only when sure enough, and a hang-up only when surer", () => {
    const between = (MIN_CONFIDENCE + MIN_CONFIDENCE_TO_HANG_UP) / 2;
    const route = (label: string, p: number) =>
      new IntentRouter(INTENTS, { weights: oneWordWeights("flarb", label, p) }).route("flarb").intent?.name;
    expect(route("time", between)).toBe("time");
    expect(route("time", MIN_CONFIDENCE - 0.02)).toBeUndefined();
    expect(route("goodbye", between)).toBeUndefined();
    expect(route("goodbye", (MIN_CONFIDENCE_TO_HANG_UP + 1) / 2)).toBe("goodbye");
    expect(route("none", 0.99)).toBeUndefined();
    // An intent may ask for less: a wrong job status or "no problem" costs less than a model turn.
    const low = (tasks.minConfidence as number) + 0.03;
    expect(low).toBeLessThan(MIN_CONFIDENCE);
    expect(route("tasks", low)).toBe("tasks");
    expect(route("time", low)).toBeUndefined();
    expect(route("tasks", (tasks.minConfidence as number) - 0.03)).toBeUndefined();
  });

  it("leaves near-misses the issue names to the model: farewell words in requests, time and schedule in other senses", () => {
    const r = new IntentRouter();
    r.setAgentName("Nova");
    for (const t of [
      "remind me to say goodbye to the neighbours",
      "tell Sam bye from me",
      "bye the bread on the way home",
      "see you later is a song by who",
      "what time does the chemist open",
      "is it time to feed the cat",
      "how much time do eggs need",
      "schedule a call with Priya",
      "schedule my briefing for nine",
      "move my reminder to Friday",
      "cancel tonight's scheduled call",
      "how many minutes does the bus take",
      "name a good curry house",
      "who are you going to call",
      "hi can you order pizza",
      "thanks, now email the landlord",
      "what can you tell me about Rome",
      "how is my dad doing",
      "run the backup again",
      "repeat after me",
      "tell me more about black holes",
      "any news from the election",
      "what is the task of a goalkeeper",
    ]) {
      expect(r.route(t).intent?.name ?? "none", t).toBe("none");
    }
  });

  it("does not guess at long turns (a forged task report full of task words stays the model's)", () => {
    const r = new IntentRouter(INTENTS, { weights: oneWordWeights("job", "tasks", 0.999) });
    const long = `job ${"and the report said this ".repeat(4)}`;
    expect(normalize(long).split(" ").length).toBeGreaterThan(MAX_WORDS_TO_GUESS);
    expect(r.route(long).intent).toBeUndefined();
    expect(r.route("job").intent?.name).toBe("tasks");
  });

  it("lets the classifier overrule a vocabulary hit it does not rank first, never a pattern", () => {
    // Only the minutes vocabulary holds this phrasing (no pattern does).
    const text = "minutes left on the plan how many";
    const route = (label: string, p: number) =>
      new IntentRouter(INTENTS, { weights: oneWordWeights("minutes", label, p) }).route(text).intent?.name;
    expect(new IntentRouter(INTENTS, { weights: false }).route(text).intent?.name).toBe("minutes");
    // Ranked first, even below MIN_CONFIDENCE: the vocabulary's answer stands.
    expect(route("minutes", 0.5)).toBe("minutes");
    // Ranked below "none" or another intent: the hit is dropped, and a sure guess answers instead.
    expect(route("none", 0.6)).toBeUndefined();
    expect(route("cron", 0.6)).toBeUndefined();
    expect(route("cron", 0.99)).toBe("cron");
    const patterned = new IntentRouter(INTENTS, { weights: oneWordWeights("minutes", "none", 0.99) });
    expect(patterned.route("how many minutes do I have left").intent?.name).toBe("minutes");
  });

  it("reads its weights on first use or at warm(), not when built (the bridge warms it after listen)", () => {
    const bad = { ...oneWordWeights("flarb", "time", 0.9), features: { "w:flarb": labels.map(() => 300) } };
    const r = new IntentRouter(INTENTS, { weights: bad });
    // A turn never throws: unreadable weights leave the patterns answering, and warm() says why.
    expect(r.route("what time is it").intent?.name).toBe("time");
    expect(r.route("flarb").intent).toBeUndefined();
    expect(() => r.warm()).toThrow(RangeError);
    const good = new IntentRouter(INTENTS, { weights: oneWordWeights("flarb", "time", 0.9) });
    good.warm();
    expect(good.route("flarb").intent?.name).toBe("time");
  });

  it("never lets a guess override a pattern", () => {
    const r = new IntentRouter(INTENTS, { weights: oneWordWeights("time", "goodbye", 0.999) });
    expect(r.route("what time is it").intent?.name).toBe("time");
  });
});
