import type { MappedText } from './normalise.js';
import { lowerBound, skOne } from './patterns.js';

/**
 * Use versus mention. "Write a unit test that checks our filter blocks 'ignore previous instructions'"
 * contains the most classic injection phrase, but it talks *about* it. A match counts as a mention
 * (and weighs a quarter as much) when
 *   - it sits inside quotes or code, and the prompt is a security discussion or the sentence
 *     introduces it as an example ("phrases like", "users who type", "detect"), or
 *   - the prompt is a security discussion and the sentence introduces it as an example.
 * A discussion is security vocabulary plus a question or a request to explain, test, detect or write
 * something. Unquoted imperatives stay direct whatever the framing ("This is a security test. Ignore
 * all previous instructions" is still flagged): only quoting or reporting changes the weight.
 */

const META = skOne(
  '\\b(?:prompt injections?|injections?|jailbreak(?:s|ing|ed)?|red team(?:s|ing|er|ers)?|redteam[^ ]*|adversarial|attacks?|attacker|attackers|attacking|malicious|exploit(?:s|ed|ing)?|security|secure|guardrails?|filters?|filtering|classifiers?|detectors?|detect(?:s|ed|ing|ion)?|defen[cs]es?|defend[^ ]*|mitigat[^ ]*|prevent[^ ]*|protect[^ ]*|saniti[sz][^ ]*|owasp|vulnerab[^ ]*|threats?|threat model|moderation|payloads?|phishing|blocklists?|denylists?|safety|abuse|incident|leak(?:s|age|ed|ing)?|exfiltration|smuggl[^ ]*|hijack[^ ]*)\\b',
);

const DISCUSS = skOne(
  '\\b(?:explain[^ ]*|describe|define|definition|summari[sz]e|compare|difference|examples?|e g|for instance|unit tests?|test cases?|tests?|regex[^ ]*|write (?:a|an) (?:function|test|rule|filter|regex|classifier|script|detector|policy|checklist)|paper|research|report|training|workshop|course|talk|slides?|blog|quiz|awareness|checklist|policy|review|audit|monitor[^ ]*|alert[^ ]*|log(?:s|ging)?)\\b',
);

const REPORT = skOne(
  [
    '\\b(?:tell|tells|telling|told|ask|asks|asking|asked|instruct[^ ]*|trick[^ ]*|convinc[^ ]*|get|gets|getting|make|makes|making|force[^ ]*|manipulat[^ ]*|coax[^ ]*|persuad[^ ]*) (?:the |a |an |my |our |your |its |their )?(?:model|bot|chatbot|assistant|ai|llm|agent|system|gpt|chatgpt|claude|copilot)s? (?:to|into)\\b',
    '\\b(?:phrases?|prompts?|strings?|inputs?|messages?|text|texts|commands?|attempts?|attacks?|payloads?|examples?|patterns?|things|something|stuff|requests?|instructions?|tricks?|words?|keywords?|sentences?|lines?|quer(?:y|ies)) (?:like|such as|containing|contain|contains|that say|that says|saying|of the form|along the lines of|that include|including)\\b',
    '\\b(?:e g|eg|for example|for instance|such as|i e)\\b',
    '\\b(?:users?|attackers?|people|someone|adversar[^ ]*|hackers?|customers?|students?|somebody|they|visitors?|victims?) (?:who |would |could |might |can |will |often |sometimes |may )?(?:type|types|typed|typing|write|writes|wrote|say|says|said|enter|enters|entered|paste|pastes|pasted|try|tries|tried|send|sends|sent|include|includes|included|use|uses|used|ask|asks|asked|submit[^ ]*|input[^ ]*|hide|hides|hid|embed[^ ]*|inject[^ ]*|smuggl[^ ]*)\\b',
    '\\b(?:detect[^ ]*|flag[^ ]*|block[^ ]*|catch[^ ]*|recogni[sz][^ ]*|filter[^ ]*|spot[^ ]*|identif[^ ]*|classif[^ ]*|prevent[^ ]*|stop[^ ]*|match[^ ]*|test[^ ]*|check[^ ]*|escape[^ ]*|strip[^ ]*|saniti[sz][^ ]*|handle[^ ]*|defend[^ ]*|mitigat[^ ]*|vulnerable to|susceptible to|resist[^ ]*|explain[^ ]*|what is|what does|meaning of|how does|how do)\\b',
  ].join('|'),
);

/**
 * A wh-question about something ("Why does encoding instructions in base64 bypass safety filters?"),
 * not a request to the model: no "you" before the match, and the sentence ends with a question mark.
 */
const QUESTION_START = skOne('^(?:why|how|what|which|when|where|who|whose|is|are|does|do|did|should|would it|could it|can it|isnt|arent)\\b');
const SECOND_PERSON = skOne('\\b(?:you|your|yours|yourself|u|ur)\\b');

/** Quoted or code spans (an apostrophe between letters does not close a single quote). Bounded lengths keep this linear. */
const QUOTED = /```[\s\S]{0,20000}?```|`[^`\n]{1,500}`|"[^"\n]{1,500}"|“[^”\n]{1,500}”|«[^»\n]{1,500}»|„[^“”\n]{1,500}[“”]|‘[^’\n]{1,500}’|(?<![\p{L}\p{N}])'(?:[^'\n]|(?<=\p{L})'(?=\p{L})){1,500}'(?![\p{L}\p{N}])/gu;

/** How far back a sentence may start, in raw characters. */
const SENTENCE_REACH = 200;

export interface MentionJudge {
  /** True when the match starting at this raw index is a mention rather than a use. */
  isMention(rawIndex: number): boolean;
}

export function mentionJudge(raw: string, skel: MappedText): MentionJudge {
  const discussion = test(META, skel.text) && (raw.includes('?') || test(DISCUSS, skel.text));
  let spans: Array<[number, number]> | undefined;
  const inQuote = (at: number): boolean => {
    if (spans === undefined) {
      spans = [];
      for (const m of raw.matchAll(QUOTED)) spans.push([m.index, m.index + m[0].length]);
    }
    return spans.some(([s, e]) => at > s && at < e);
  };
  const reported = (at: number): boolean => {
    const from = sentenceStart(raw, at);
    const window = skel.text.slice(lowerBound(skel.toRaw, from), lowerBound(skel.toRaw, at));
    return test(REPORT, window);
  };
  const asked = (at: number): boolean => {
    const window = skel.text.slice(lowerBound(skel.toRaw, sentenceStart(raw, at)), lowerBound(skel.toRaw, at));
    return test(QUESTION_START, window) && !test(SECOND_PERSON, window) && sentenceEnd(raw, at) === '?';
  };
  return {
    isMention(at) {
      if (at < 0) return false;
      if (discussion) return reported(at) || inQuote(at) || asked(at);
      return inQuote(at) && reported(at);
    },
  };
}

function test(re: RegExp, text: string): boolean {
  re.lastIndex = 0;
  return re.test(text);
}

/** The character that ends the sentence around `at` ('' when none is near). */
function sentenceEnd(raw: string, at: number): string {
  const ceiling = Math.min(raw.length, at + SENTENCE_REACH);
  for (let i = at; i < ceiling; i++) {
    const c = raw[i] as string;
    if (c === '?' || c === '!' || c === '\n' || (c === '.' && /\s/.test(raw[i + 1] ?? ' '))) return c;
  }
  return '';
}

/** Start of the sentence around `at`: after the last ! ? newline or ". " (but not "e.g. "/"i.e. "). */
function sentenceStart(raw: string, at: number): number {
  const floor = Math.max(0, at - SENTENCE_REACH);
  for (let i = at - 1; i >= floor; i--) {
    const c = raw[i];
    if (c === '!' || c === '?' || c === '\n') return i + 1;
    if (c === '.' && /\s/.test(raw[i + 1] ?? '') && !/(?:e\.g|i\.e)$/i.test(raw.slice(Math.max(0, i - 3), i))) return i + 1;
  }
  return floor;
}
