/**
 * Links and file paths are for clicking and copying. A markdown link is said by its text; a bare
 * URL by its site's name ("github.com"), which a caller can remember; a path by its file name. The
 * words around them are repaired: "see: <url>" with nothing left to see loses its dangling tail.
 */

const MD_IMAGE = /!\[([^\]\n]*)\]\([^)\n]*\)/g;
const MD_LINK = /\[([^\]\n]+)\]\((?:<[^>\n]*>|[^)\s\n]*)(?:\s+"[^"\n]*")?\)/g;
const REF_LINK = /\[([^\]\n]+)\]\[[^\]\n]*\]/g;
const LINK_DEF = /^[ \t]*\[[^\]\n]+\]:[ \t]*\S+.*$/gm;
const ANGLE_URL = /<((?:https?|ftp):\/\/[^>\s]+)>/gi;
const MAILTO = /<?mailto:([^>\s]+)>?/gi;
const BARE_URL = /\b(?:(?:https?|ftp|file):\/\/|www\.)[^\s<>"'`)\]]+/gi;
// Unix and home paths with at least two parts, Windows drive paths; not a date like 12/03/2026.
const UNIX_PATH = /(?<![\w/.:])(?:~|\.{1,2})?(?:\/[\w.@+-]+){2,}\/?/g;
const WIN_PATH = /\b[A-Za-z]:\\(?:[\w .@+-]+\\)*[\w.@+-]+/g;
const RELATIVE_PATH = /(?<![\w/.:@])(?:[\w@+-]+\/){1,}[\w@+-]+\.[A-Za-z0-9]{1,8}\b/g;

/** The site's name for a URL: its host without "www.", or nothing when it has none. */
export function siteName(url: string): string {
  try {
    const u = new URL(/^www\./i.test(url) ? `https://${url}` : url);
    if (u.protocol === "file:") return fileName(u.pathname);
    return u.hostname.replace(/^www\./i, "").replace(/\.$/, "");
  } catch {
    return "";
  }
}

/** "report.pdf" for "/home/sam/docs/report.pdf"; the last folder's name for a folder path. */
export function fileName(path: string): string {
  const parts = path.split(/[\\/]+/).filter((p) => p !== "" && p !== "~" && p !== "." && p !== "..");
  return parts[parts.length - 1] ?? "";
}

/** Markdown links by their text, URLs by their site, paths by their file name; sentences repaired. */
export function speakLinks(s: string): string {
  let t = s
    .replace(LINK_DEF, "")
    .replace(MD_IMAGE, (_m, alt: string) => (alt.trim() ? alt : GONE))
    .replace(MD_LINK, "$1")
    // "[text][ref]" is a link; "[1][2]" are citations, left for markdown.ts.
    .replace(REF_LINK, (m, text: string) => (/^[\d\s,-]+$/.test(text) ? m : text))
    .replace(MAILTO, "$1")
    .replace(ANGLE_URL, "$1");
  t = t.replace(BARE_URL, (m) => {
    // Sentence punctuation that ends a URL belongs to the sentence.
    const tail = /[.,;:!?]+$/.exec(m)?.[0] ?? "";
    const url = tail ? m.slice(0, -tail.length) : m;
    return `${siteName(url) || GONE}${tail}`;
  });
  t = t.replace(WIN_PATH, (m) => fileName(m));
  t = t.replace(UNIX_PATH, (m) => fileName(m));
  t = t.replace(RELATIVE_PATH, (m) => fileName(m));
  return repairAround(t);
}

/** Marks where a link left nothing to say, so only the words pointing at it are repaired. */
const GONE = "\u0001";

/** Words left pointing at nothing once a link is gone: "see: ." "(at )" "Docs: ." */
function repairAround(s: string): string {
  if (!s.includes(GONE)) return s;
  return s
    .replace(/\(\s*(?:(?:see|at|via|from|link)\s*:?\s*)?\u0001\s*\)/gi, "")
    .replace(
      /\b(?:(?:is )?(?:available|found) (?:at|here)|see|visit|go to|at|via|from|link|here)\s*:?\s*\u0001/gi,
      "",
    )
    .replace(/\s*:\s*\u0001/g, "")
    .replace(/\u0001/g, "");
}

/** True when a URL or a path is still in the text. */
export function hasLinkOrPath(s: string): boolean {
  BARE_URL.lastIndex = 0;
  UNIX_PATH.lastIndex = 0;
  WIN_PATH.lastIndex = 0;
  const hit = BARE_URL.test(s) || UNIX_PATH.test(s) || WIN_PATH.test(s);
  BARE_URL.lastIndex = 0;
  UNIX_PATH.lastIndex = 0;
  WIN_PATH.lastIndex = 0;
  return hit;
}
