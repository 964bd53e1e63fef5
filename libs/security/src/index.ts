export { scanPrompt, FLAG_THRESHOLD, MAX_SCAN_CHARS, type InjectionMatch, type InjectionVerdict } from './scan.js';
export { RULES, RULESET_VERSION, INJECTION_CATEGORIES, type InjectionCategory, type InjectionRule } from './rules.js';
export { evaluate, parseCorpus, type CorpusEntry, type EvalReport, type Metrics, type CategoryResult, type Miss } from './evaluate.js';
