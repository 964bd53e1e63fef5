import { isWordCode, type Detector } from './detector.js';

/** A run of 16+ letters and digits mixing both: what a generated secret has and a slug or placeholder lacks. */
function looksGenerated(s: string): boolean {
  for (const run of s.match(/[A-Za-z0-9]{16,}/g) ?? []) if (/\d/.test(run) && /[A-Za-z]/.test(run)) return true;
  return false;
}

function isKeyCode(c: number): boolean {
  return isWordCode(c) || c === 45;
}

export const apiKey: Detector = {
  entity: 'api_key',
  hint: /sk-|[rs]k_|AKIA|ASIA|gh[pousr]_|github_pat_|xox|AIza|[Bb]earer/,
  // OpenAI and Anthropic (sk-, sk-proj-, sk-ant-…), AWS access key ids, GitHub, Slack, Google, Stripe,
  // and any `Bearer <token>` (the token is replaced, the word Bearer kept).
  // Only where a token starts: a rejected candidate is not rescanned from inside ("sk-sk-sk-…").
  pattern:
    /(?<![\w-])(?:sk-[\w-]{20,}|(?:AKIA|ASIA)[A-Z0-9]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{22,}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[\w-]{35}|[rs]k_(?:live|test)_[A-Za-z0-9]{16,}|[Bb]earer[ \t]+[\w.~+/-]{20,}=*)/g,
  accept(text, m) {
    const s = m[0];
    const end = m.index + s.length;
    if (isKeyCode(text.charCodeAt(end))) return undefined;
    const bearer = /^[Bb]earer[ \t]+/.exec(s);
    if (bearer) return looksGenerated(s.slice(bearer[0].length)) ? { start: m.index + bearer[0].length, end } : undefined;
    // "sk-" is also a prefix of ordinary slugs ("sk-learn-…"); require it to look generated.
    if (s.startsWith('sk-') && !looksGenerated(s)) return undefined;
    return { start: m.index, end };
  },
};

export const jwt: Detector = {
  entity: 'jwt',
  hint: /eyJ/,
  // header.payload.signature in base64url; the header ("eyJ" is `{"`) must decode to JSON with "alg".
  pattern: /(?<![\w-])eyJ[\w-]{2,}\.[\w-]{2,}\.[\w-]*/g,
  accept(_text, m) {
    const header = m[0].slice(0, m[0].indexOf('.'));
    if (header.length > 2048) return undefined;
    try {
      const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { alg?: unknown }).alg !== 'string') return undefined;
    } catch {
      return undefined;
    }
    return { start: m.index, end: m.index + m[0].length };
  },
};
