/**
 * Characters a voice cannot say or says wrongly: terminal colour codes, control characters,
 * zero-width and direction marks, and emoji. Polly reads some of them as words ("grinning face"),
 * skips others, and a few make the relay's XML invalid, so all of them go before anything else.
 */

// ANSI/VT escapes: CSI sequences (colours, cursor moves) and OSC sequences (titles, hyperlinks).
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]/g;
// C0/C1 controls except tab and newline (newlines carry structure until sentences are built).
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
// Zero-width spaces and joiners, soft hyphen, word joiner, BOM, direction marks and overrides,
// invisible tag characters, replacement and non-characters.
const INVISIBLE =
  /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufffc-\uffff]|[\u{e0000}-\u{e007f}]/gu;
// Pictographs with their modifiers: variation selectors, skin tones, keycaps, flags, joiners.
const EMOJI =
  /\p{Extended_Pictographic}|\p{Regional_Indicator}|[\u{1f3fb}-\u{1f3ff}]|[\ufe0e\ufe0f\u20e3\u200d]/gu;
// Box drawing, block elements, geometric shapes and dingbat bullets read as nonsense or nothing.
const SHAPES = /[\u2500-\u25ff\u2700-\u27bf\u2b00-\u2bff]/g;

/**
 * Removes every character a listener should not hear about. Lone surrogates (cut UTF-16) become
 * nothing through a UTF-8 round trip that turns them into U+FFFD first.
 */
export function dropUnspeakableCharacters(s: string): string {
  return Buffer.from(s, "utf8")
    .toString("utf8")
    .replace(/\r\n?/g, "\n")
    .replace(ANSI, "")
    .replace(CONTROL, " ")
    .replace(INVISIBLE, "")
    .replace(EMOJI, " ")
    .replace(SHAPES, " ")
    .replace(/[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]/g, " ");
}

/** True when the text still holds a character `dropUnspeakableCharacters` would remove. */
export function hasUnspeakableCharacter(s: string): boolean {
  for (const re of [ANSI, CONTROL, INVISIBLE, EMOJI, SHAPES]) {
    re.lastIndex = 0;
    const hit = re.test(s);
    re.lastIndex = 0;
    if (hit) return true;
  }
  return /[\ud800-\udfff]/u.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""));
}
