/**
 * Reading OpenClaw's IDENTITY.md and USER.md: `- **Name:** X`, `- Name: X`, `**Name**: X`, case
 * insensitive, ignoring unfilled template placeholders such as "(pick something you like)".
 */

const FIELD =
  /^\s*(?:[-*+]\s+)?(?:\*\*|__)?([A-Za-z][A-Za-z ()'/-]{0,40}?)(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:|:)\s*(.*)$/;

/** Every `label: value` bullet, label lower-cased, placeholder values dropped. */
export function parseFields(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of markdown.split(/\r?\n/)) {
    const m = FIELD.exec(line);
    if (!m) continue;
    const label = (m[1] ?? "").trim().toLowerCase();
    const value = cleanValue(m[2] ?? "");
    if (value && !out.has(label)) out.set(label, value);
  }
  return out;
}

function cleanValue(raw: string): string | undefined {
  let v = raw
    .replace(/(\*\*|__|\*|_|`)/g, "")
    .replace(/<!--.*?-->/g, "")
    .trim();
  // Unfilled template text: "(pick something you like)", "_(optional)_", "[your name]".
  if (/^[([{<].*[)\]}>]$/.test(v) || v === "" || /^(?:todo|tbd|n\/a|none|-)$/i.test(v)) return undefined;
  v = v.replace(/\s*\(.*\)\s*$/, "").trim();
  if (v.length > 60) return undefined;
  return v || undefined;
}

export interface IdentityFacts {
  agentName: string | undefined;
  userName: string | undefined;
}

/** The agent's name from IDENTITY.md and what to call the user from USER.md (older template). */
export function identityFromFiles(identityMd: string | undefined, userMd: string | undefined): IdentityFacts {
  const idf = identityMd ? parseFields(identityMd) : new Map<string, string>();
  const uf = userMd ? parseFields(userMd) : new Map<string, string>();
  return {
    agentName: idf.get("name"),
    userName:
      uf.get("what to call them") ?? uf.get("preferred name") ?? uf.get("call them") ?? uf.get("name"),
  };
}
