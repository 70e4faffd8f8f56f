/** The speech shaper (see shape.ts) and its check (see check.ts). */
export { isSpeakable, type SpeakableOptions, speechProblems } from "./check.js";
export { clip, fragment, quoted } from "./fragments.js";
export { sentence, splitSentences } from "./sentences.js";
export { type Shaped, type ShapeOptions, shapeSpeech, speakableText, speechFloor } from "./shape.js";
export { countWords, DEFAULT_SPEECH_WORDS, GO_ON_OFFER, joinAnd, wordCount } from "./words.js";
