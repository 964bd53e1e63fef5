import type { Severity } from '@sentinel/contracts';
import { B, E, fd, gap, sk } from './patterns.js';

/**
 * The prompt-injection rule set. Bump RULESET_VERSION whenever a pattern, a severity or the scoring
 * changes: verdicts carry it, so a stored verdict can be traced to the rules that produced it.
 * Rule ids are stable; a retired rule's id is never reused.
 */
export const RULESET_VERSION = '2026.11.0';

export const INJECTION_CATEGORIES = ['instruction_override', 'roleplay_jailbreak', 'system_prompt_exfiltration', 'encoded_payload', 'indirect_injection'] as const;
export type InjectionCategory = (typeof INJECTION_CATEGORIES)[number];

export interface InjectionRule {
  readonly id: string;
  readonly category: InjectionCategory;
  readonly severity: Severity;
  readonly description: string;
}

/** A rule with the patterns scan.ts runs over each text view (see normalise.ts). */
export interface RuleDef extends InjectionRule {
  readonly skeleton: readonly RegExp[];
  readonly folded: readonly RegExp[];
  readonly compact: readonly RegExp[];
}

interface Spec extends InjectionRule {
  skeleton?: RegExp[];
  folded?: RegExp[];
  compact?: RegExp[];
}

function rule(spec: Spec): RuleDef {
  return { ...spec, skeleton: spec.skeleton ?? [], folded: spec.folded ?? [], compact: spec.compact ?? [] };
}

// ---------------------------------------------------------------------------------------------------
// Vocabulary shared by several rules.

const IGNORE =
  '(?:ignore|ignoring|disregard|disregarding|forget|forgetting|neglect|skip|discard|abandon|override|overriding|overwrite|bypass|dismiss|cancel|scrap|drop|nevermind|never mind|throw away|set aside|put aside|pay no attention to|do not follow|dont follow|stop following|quit following|no longer follow|stop obeying|do not obey|dont obey|disobey)';
/** Not an instruction relayed to the user ("the agent said to ignore the earlier instructions"). */
const NOT_RELAYED = '(?<!\\b(?:said|says|told me|tells me|asked me|asks me|wants me|wanted me|instructed me|advised me|reminded me|told us|asked us) to )';
const QUANT = '(?:all|any|every|each|of|the|these|those|such|entire|whole|whatever|your|other)';
const PRIOR = '(?:previous|previously|prior|above|earlier|preceding|foregoing|former|original|initial|old|existing|system|developer|given|preset|default|past|first|current|safety|ethical|moral|content)';
const INSTR =
  '(?:instructions?|prompts?|rules|directions|directives?|guidelines|guidance|commands|orders|constraints|restrictions|programming|policies|policy|settings|training|conditioning|context|limitations|safeguards|filters|protocols)';
const NORULES =
  '(?:restrictions?|rules|limits|limitations|filters?|guidelines|ethics|morals|boundaries|constraints|censorship|content polic(?:y|ies)|polic(?:y|ies)|safety|guardrails|principles|safeguards|alignment|safety training|programming|confines)';
const AI = '(?:ai|ais|a i|llm|llms|language model|large language model|chatbot|chatbots|assistant|assistants|bot|agent|agents|gpt|chatgpt|claude|gemini|copilot|grok|bard|model|models)';
const DISC_STRONG =
  '(?:reveal|print|output|dump|leak|disclose|expose|recite|spell out|echo|echo back|copy|copy paste|paste|reproduce|regurgitate|write out|type out|print out|divulge|begin your (?:reply|response|answer|output) with|start your (?:reply|response|answer|output) with)';
const DISC_WEAK = '(?:show|tell|give|share|list|display|provide|state|read|summari[sz]e|explain|describe|write|repeat|translate|return|send|what is|what are|what were|whats|quote|render|type)';
const DISC = `(?:${DISC_STRONG}|${DISC_WEAK})`;
const SP =
  '(?:system prompt|system message|system instructions?|sys prompt|initial (?:prompt|instructions?)|original (?:prompt|instructions?)|hidden (?:prompt|instructions?|rules)|secret (?:prompt|instructions?|rules)|pre prompt|preprompt|developer (?:prompt|message|instructions?)|confidential (?:instructions?|configuration|prompt|rules)|internal (?:instructions?|prompt|rules|guidelines)|base prompt|meta prompt|metaprompt|starting prompt|custom instructions|context window|prior instructions|previous instructions|earlier instructions|first instructions|full prompt|exact prompt|entire prompt|complete prompt|prompt text|core instructions|underlying prompt)';
const MODE_BAD = '(?:god|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|chaos|opposite|dan|unlocked|unbound|unlimited|anarchy|no limits?|no restrictions|rebel|villain|amoral)';
const MODE_ON = '(?:enable|enabled|enter|entering|activate|activated|switch to|switch into|switching to|turn on|engage|go into|boot into|now in|are in|re in|with|put yourself in|put yourself into)';

// ---------------------------------------------------------------------------------------------------
// instruction_override

const OVERRIDE_PREVIOUS = rule({
  id: 'PI-OVERRIDE-001',
  category: 'instruction_override',
  severity: 'high',
  description: 'Tells the model to ignore, forget or stop following its previous/system instructions.',
  skeleton: sk(
    `${NOT_RELAYED}\\b${IGNORE}(?: ${QUANT}){0,3} ${PRIOR}(?: [^ ]+)? ${INSTR}\\b`,
    `${NOT_RELAYED}\\b${IGNORE}(?: ${QUANT}){0,3} ${INSTR} (?:you (?:were|have been|ve been|had been) (?:given|told|provided|issued)|you (?:got|received|had)|(?:that )?came (?:earlier|before|first)|(?:given|provided|issued) (?:to you|earlier|before|previously)|from (?:before|earlier)|before|earlier|so far|until now|up to now|above)\\b`,
  ),
  compact: sk('ignore(?:all|any|every|the|your|of){0,3}(?:previous|prior|above|earlier|preceding|initial|system)(?:instructions?|prompts?|rules|directions|guidelines|commands)'),
});

const OVERRIDE_ALL = rule({
  id: 'PI-OVERRIDE-002',
  category: 'instruction_override',
  severity: 'medium',
  description: 'Tells the model to ignore all instructions (without saying which), other than ones inside a document.',
  skeleton: sk(`${NOT_RELAYED}\\b${IGNORE} (?:all|any|every)(?: of)?(?: the| your)? ${INSTR}\\b(?! (?:in|inside|within|contained|embedded|found|from|that appear|hidden|written))`),
});

const OVERRIDE_EVERYTHING = rule({
  id: 'PI-OVERRIDE-003',
  category: 'instruction_override',
  severity: 'high',
  description: 'Tells the model to disregard everything above / everything it was told.',
  skeleton: sk(
    '\\b(?:ignore|disregard|forget)(?: about)? (?:everything|anything|all|whatever)(?: (?:that|which|else))?(?: (?:was|is|has been|i))?(?: (?:written|said|stated|mentioned|told|given|typed))? (?:above|before this|prior to this|so far|up to this point)\\b',
    '\\b(?:ignore|disregard|forget)(?: about)? (?:everything|anything|all|whatever)(?: that)? you (?:were|have been|ve been|had been) (?:told|given|taught|instructed|programmed)\\b',
    '\\b(?:ignore|disregard|forget) (?:the|all|everything) (?:above|previous|preceding|prior)(?: (?:text|content|message|input|context|conversation|prompt))? (?:and|then|instead)\\b',
  ),
});

const OVERRIDE_YOUR_RULES = rule({
  id: 'PI-OVERRIDE-004',
  category: 'instruction_override',
  severity: 'high',
  description: "Tells the model to drop its own instructions, programming or safety settings ('ignore your guidelines').",
  skeleton: sk(`${NOT_RELAYED}\\b${IGNORE}(?: (?:all|any|of|the)){0,3} your(?: own| current| existing| original| previous| prior| initial| safety| ethical| content| core| default)? ${INSTR}\\b`),
});

const OVERRIDE_VOID = rule({
  id: 'PI-OVERRIDE-005',
  category: 'instruction_override',
  severity: 'high',
  description: 'Declares the previous instructions void, revoked or no longer valid.',
  skeleton: sk(
    `\\b(?:${PRIOR} ${INSTR}|${INSTR} ${PRIOR}) (?:are|is|were|was|have been|has been|got)(?: now| hereby| officially| all| henceforth)?(?: [^ ]+ (?:and|or))? (?:void|null|invalid|revoked|rescinded|cancel+ed|obsolete|overridden|lifted|disabled|suspended|deactivated|a test|not valid|no longer (?:valid|active|apply|applicable|in effect|relevant|binding|needed))\\b`,
  ),
});

const OVERRIDE_PRECEDENCE = rule({
  id: 'PI-OVERRIDE-006',
  category: 'instruction_override',
  severity: 'high',
  description: 'Claims to override or take precedence over all/any/your instructions.',
  skeleton: sk(`\\b(?:overrides?|supersedes?|takes? precedence over|has priority over|have priority over|outranks?|cancels?|voids?|invalidates?|nullifies|trumps?) (?:all|any|every|your)(?: of)?(?: your| the)?(?: ${PRIOR})? ${INSTR}\\b`),
});

const OVERRIDE_NEW_TASK = rule({
  id: 'PI-OVERRIDE-007',
  category: 'instruction_override',
  severity: 'medium',
  description: "Announces replacement instructions ('New instructions:', 'your real task is').",
  folded: fd(`${B}(?:new|updated|real|actual|true|revised|different|override|secret|hidden) (?:instructions?|task|directives?|orders|objective|mission|rules|system prompt|prompt|policy|role)\\s{0,3}[:：]`),
  skeleton: sk('\\byour (?:new|real|actual|true|only|sole) (?:task|job|goal|purpose|instructions?|role|objective|mission|directive) (?:is|are|will be|now is|from now on)\\b'),
});

const OVERRIDE_AUTHORITY = rule({
  id: 'PI-OVERRIDE-008',
  category: 'instruction_override',
  severity: 'medium',
  description: 'Claims authority or permission to lift the rules (developer/admin claims, clearance).',
  skeleton: sk(
    // "your/the developer", not "a developer": plenty of users are developers.
    '\\b(?:i am|im|this is|speaking as|message from) (?:your|the) (?:developer|creator|administrator|admin|owner|operator|programmer|sysadmin|system administrator|maker|trainer)s?\\b',
    '\\b(?:authori[sz]ed|permitted|allowed|cleared|entitled) (?:you )?to (?:ignore|bypass|override|disregard|break|disable|reveal|skip|circumvent|violate)\\b',
    '\\bi (?:have|got|hold) (?:admin |root |developer |special |security |top secret |full |the )?(?:clearance|access rights|privileges|authori[sz]ation)\\b',
    '\\b(?:admin|administrator|developer|debug|maintenance|sudo|root) (?:override|access granted|privileges granted|privileges enabled)\\b',
    '\\byou (?:are|re) (?:now )?(?:allowed|permitted|free|able) to (?:say|do|answer|write|generate) (?:anything|everything|whatever)\\b',
  ),
});

const OVERRIDE_MULTILINGUAL = rule({
  id: 'PI-OVERRIDE-009',
  category: 'instruction_override',
  severity: 'high',
  description: "'Ignore previous instructions' in Spanish, French, German, Italian, Portuguese, Dutch, Russian, Chinese or Japanese.",
  folded: fd(
    `${B}(?:ignora|ignorar|ignorad|olvida|olvidar|olvidad)\\s+(?:todas\\s+)?(?:las\\s+|tus\\s+)?(?:instrucciones|indicaciones|reglas)\\s+(?:anteriores|previas)${E}`,
    `${B}(?:olvida|olvidate de|haz caso omiso de)\\s+(?:todas\\s+)?(?:las\\s+|tus\\s+)(?:instrucciones|reglas)${E}`,
    `${B}(?:ignore|ignorez|ignorer|oublie|oubliez|oublier)\\s+(?:toutes\\s+)?(?:les\\s+|tes\\s+|vos\\s+)?(?:instructions|consignes|regles)\\s+(?:precedentes|anterieures)${E}`,
    `${B}(?:oublie|oubliez)\\s+(?:toutes\\s+)?(?:les\\s+|tes\\s+|vos\\s+)(?:instructions|consignes|regles)${E}`,
    `${B}(?:ignoriere|ignorieren|ignorier)\\s+(?:alle\\s+)?(?:vorherigen|bisherigen|vorigen|fruheren|obigen|deine)\\s+(?:anweisungen|instruktionen|befehle|regeln)${E}`,
    `${B}vergiss\\s+(?:alle\\s+)?(?:deine\\s+|die\\s+)?(?:vorherigen\\s+|bisherigen\\s+)?(?:anweisungen|instruktionen|regeln)${E}`,
    `${B}(?:ignora|dimentica)\\s+(?:tutte\\s+)?(?:le\\s+)?(?:tue\\s+)?istruzioni(?:\\s+(?:precedenti|anteriori))?${E}`,
    `${B}(?:ignore|ignora|ignorar|esqueca|esquecer)\\s+(?:todas\\s+)?(?:as\\s+|suas\\s+)?instrucoes(?:\\s+(?:anteriores|previas))?${E}`,
    `${B}negeer\\s+(?:alle\\s+)?(?:vorige|eerdere|voorgaande)\\s+(?:instructies|opdrachten)${E}`,
    `${B}(?:игнориру[йи](?:те)?|проигнориру[йи](?:те)?|забудь(?:те)?)\\s+(?:все\\s+)?(?:предыдущие\\s+|прежние\\s+|свои\\s+)?(?:инструкции|указания|правила|команды)${E}`,
    '(?:忽略|无视|忽视|不要理会)(?:之前|以上|先前|上面|前面|所有|全部)(?:的)?(?:所有|全部)?(?:的)?(?:指令|指示|说明|规则|提示)',
    '(?:以前|前|上記|これまで)の(?:指示|命令|ルール)を?(?:すべて|全て)?無視',
  ),
});

const OVERRIDE_FROM_NOW_ON = rule({
  id: 'PI-OVERRIDE-010',
  category: 'instruction_override',
  severity: 'low',
  description: "'From now on you will/must …': a standing re-instruction, weak on its own.",
  skeleton: sk(`\\bfrom now on${gap(2)} you (?:will|must|shall|are going to|re going to|are|should|can)\\b`),
});

// ---------------------------------------------------------------------------------------------------
// roleplay_jailbreak

const ROLE_NAMED = rule({
  id: 'PI-ROLE-001',
  category: 'roleplay_jailbreak',
  severity: 'high',
  description: 'A well-known jailbreak persona or its tagline (DAN "do anything now", STAN, AIM, Mongo Tom, …).',
  skeleton: sk(
    '\\b(?:do anything now|strive to avoid norms|always intelligent and machiavellian|mongo tom|condition red|betterdan|better dan|anti dan|evil confidant|freedomgpt|chaosgpt|omega mode|dan mode|dude mode|stan mode|aim mode|jailbreak prompt|developer mode output|(?:dan|stan|dude|aim) (?:stands for|which stands for|is an? (?:ai|chatbot|model)))\\b',
  ),
  compact: sk('doanythingnow'),
});

const ROLE_PERSONA_NAME = rule({
  id: 'PI-ROLE-002',
  category: 'roleplay_jailbreak',
  severity: 'medium',
  description: 'Asks the model to become a persona whose name is a known jailbreak (could also be a person called Dan).',
  skeleton: sk('\\b(?:you are|youre|act as|pretend to be|become|roleplay as|role play as|you will be|you are going to be|youre going to be) (?:now )?(?:dan|stan|dude|aim|maximum|betterdan|omega)\\b'),
});

const ROLE_BAD_MODE = rule({
  id: 'PI-ROLE-003',
  category: 'roleplay_jailbreak',
  severity: 'high',
  description: 'Switches the model into a jailbreak mode (god, unfiltered, opposite, DAN mode …).',
  skeleton: sk(`\\b${MODE_ON} (?:the |your )?${MODE_BAD} mode\\b`, `\\b${MODE_BAD} mode (?:enabled|activated|on|engaged|unlocked|active)\\b`),
  compact: sk('(?:god|jailbreak|unfiltered|uncensored|unrestricted)mode(?:enabled|activated|on|engaged)'),
});

const ROLE_DEV_MODE = rule({
  id: 'PI-ROLE-004',
  category: 'roleplay_jailbreak',
  severity: 'medium',
  description: 'Enables "developer/debug/admin mode" (also a real setting on phones and devices, hence medium).',
  skeleton: sk(
    '\\b(?:developer|dev|debug|admin|sudo|root|maintenance) mode (?:enabled|activated|on|engaged|unlocked|active|output)\\b',
    '\\b(?:enable|enter|activate|switch to|turn on|engage|now in|are in|re in|with) (?:the |your )?(?:developer|dev|debug|admin|sudo|root|maintenance) mode\\b',
  ),
});

const ROLE_NO_RULES = rule({
  id: 'PI-ROLE-005',
  category: 'roleplay_jailbreak',
  severity: 'high',
  description: 'Casts the model (or a persona it plays) as having no rules, filters or ethics, or as freed from them.',
  skeleton: sk(
    `\\b(?:ai|ais|assistant|chatbot|bot|persona|character|entity|version of (?:yourself|you)|you|who|that|which)${gap(2)} (?:has|have|had|with|possesses?|ve got) (?:no|zero|absolutely no|none of (?:the|your)) (?:[^ ]+ ){0,3}${NORULES}\\b`,
    `\\b(?:ai|ais|assistant|chatbot|bot|persona|llm|version of (?:yourself|you))${gap(2)} (?:without|free of|free from|unbound by|not bound by) (?:any |all |the |its |your )?(?:[^ ]+ ){0,2}${NORULES}\\b`,
    `\\b(?:no longer|not|never) (?:bound|restricted|limited|constrained|governed|held back) by${gap(3)} (?:${NORULES}|openai|anthropic|google)\\b`,
    `\\b(?:free|freed|liberated|unchained|released|broken free|broke free|broken out|broke out|escaped) (?:of|from|out of)${gap(3)} (?:${NORULES}|chains|shackles|matrix)\\b`,
    '\\byou (?:are|have been|were|re|ve been) (?:now )?(?:jailbroken|freed|liberated|unchained|unleashed)\\b',
  ),
});

const ROLE_UNFILTERED = rule({
  id: 'PI-ROLE-006',
  category: 'roleplay_jailbreak',
  severity: 'medium',
  description: 'Asks for an unfiltered/amoral persona or answers without restrictions.',
  skeleton: sk(
    '\\b(?:unfiltered|uncensored|unrestricted|amoral|unethical|unaligned|unhinged|jailbroken|lawless)(?: (?:and|or) [^ ]+)? (?:ai|assistant|chatbot|bot|model|version|persona|mode|character|entity|llm|gpt|chatgpt|answers?|responses?|replies|output)\\b',
    `\\b(?:doesnt|does not|dont|do not|wont|will not|never) (?:have to )?(?:have|follow|obey|care about|abide by) (?:any )?(?:[^ ]+ ){0,3}${NORULES}\\b`,
    '\\b(?:without|with no) (?:any )?(?:ethical |moral |content |safety )?(?:restrictions|filters|filtering|censorship|limitations|boundaries)\\b',
  ),
});

const ROLE_DECEASED_RELATIVE = rule({
  id: 'PI-ROLE-007',
  category: 'roleplay_jailbreak',
  severity: 'high',
  description: 'The "dead grandma" exploit: role-play as a deceased relative who used to recite forbidden content.',
  skeleton: sk(
    `\\b(?:pretend|act|acting|roleplay|role play|behave|imagine|play|be|you are|youre|impersonate|pose as)${gap(4)} my (?:dead|deceased|late|departed|passed|beloved late|dear departed) (?:grandma|grandmother|grandpa|grandfather|granny|nana|grandad|granddad|gran|mom|mother|dad|father|uncle|aunt)\\b`,
  ),
});

const ROLE_STAY_IN_CHARACTER = rule({
  id: 'PI-ROLE-008',
  category: 'roleplay_jailbreak',
  severity: 'medium',
  description: "Insists the model never breaks character (common in jailbreaks, also in harmless role-play).",
  skeleton: sk('\\b(?:stay|remain|keep|always stay) in character\\b', '\\bbreak(?:s|ing)? character\\b'),
});

const ROLE_DUAL_RESPONSE = rule({
  id: 'PI-ROLE-009',
  category: 'roleplay_jailbreak',
  severity: 'high',
  description: 'Demands paired answers, one of them "jailbroken" or unfiltered, or a [JAILBREAK] tag.',
  skeleton: sk(`\\b(?:two|2|dual|both|separate) (?:different |separate )?(?:responses|answers|ways|paragraphs|outputs|replies|versions)\\b${gap(20)} (?:jailbreak|jailbroken|dan|unfiltered|uncensored|developer mode|evil|unrestricted|no limits|no restrictions)\\b`),
  folded: fd('\\[[^\\]\\p{L}]{0,3}(?:jailbreak|jailbroken|dan|unlocked|unfiltered)[^\\]\\p{L}]{0,3}\\]'),
});

const ROLE_EVIL_TWIN = rule({
  id: 'PI-ROLE-010',
  category: 'roleplay_jailbreak',
  severity: 'high',
  description: 'Invokes the model\'s "evil twin", dark side or unfiltered self.',
  skeleton: sk('\\byour (?:evil|dark|shadow|unfiltered|uncensored|unrestricted|jailbroken|unhinged|amoral|rogue) (?:twin|self|side|version|alter ego|persona|personality|mode|counterpart)\\b'),
});

const ROLE_LAWLESS_WORLD = rule({
  id: 'PI-ROLE-011',
  category: 'roleplay_jailbreak',
  severity: 'medium',
  description: 'Sets a fictional or hypothetical world where AI has no rules.',
  skeleton: sk(
    `\\b(?:hypothetical|fictional|imaginary|alternate|alternative|parallel|made up|fantasy|fictitious) (?:world|universe|scenario|story|setting|reality|society)${gap(6)} (?:no|without) (?:[^ ]+ ){0,2}(?:rules|laws|restrictions|limits|ethics|morals|content polic(?:y|ies)|guidelines|censorship)\\b`,
    `\\bworld where (?:ai|ais|artificial intelligence|you|assistants|chatbots|language models)${gap(3)} (?:has|have) no\\b`,
  ),
});

const ROLE_POLICY_VOID = rule({
  id: 'PI-ROLE-012',
  category: 'roleplay_jailbreak',
  severity: 'high',
  description: "Says the vendor's content policy no longer applies, or tells the model to ignore it.",
  skeleton: sk(
    '\\b(?:openai|anthropic|google|meta|microsoft|your (?:creators|developers|makers|programmers|company|trainers))s? (?:content )?(?:rules|polic(?:y|ies)|guidelines|restrictions|terms|usage polic(?:y|ies)|filters) (?:no longer|dont|do not|does not|doesnt|wont|will not|never|cannot) (?:apply|applies|matters?|binds?|restricts?|exists?|affects?)\\b',
    `\\b${IGNORE}(?: (?:all|any|the))? (?:openai|anthropic|google|meta|microsoft)s?(?: [^ ]+)? (?:rules|polic(?:y|ies)|guidelines|restrictions|terms|filters)\\b`,
  ),
});

const ROLE_NEVER_REFUSE = rule({
  id: 'PI-ROLE-013',
  category: 'roleplay_jailbreak',
  severity: 'medium',
  description: 'Forbids refusals, warnings or disclaimers, or demands any kind of content.',
  skeleton: sk(
    '\\b(?:never|wont|will not|must not|shall not|should not|shouldnt|do not|dont|does not|doesnt|not allowed to|cannot|cant) (?:ever )?(?:refuse|refuses|decline|declines|say no|says no)\\b',
    '\\bnever says? (?:that )?(?:it|he|she|they|you) (?:cannot|cant|can not|is unable|are unable)\\b',
    '\\b(?:generate|produce|write|say|create|output) (?:any kind of|any type of|all kinds of|any sort of) (?:content|text|material)\\b',
    `\\b(?:answer|respond to|reply to|answers|responds to) (?:anything|everything|any question|any request|every request|every question|all questions)${gap(3)} without (?:refusing|refusal|restrictions?|censorship|warnings?|disclaimers?|limits?|filters?|hesitation|question)\\b`,
    '\\bwithout (?:any )?(?:censorship|warnings?|disclaimers|refusals?|moralizing|moralising|moral lectures)\\b',
    '\\b(?:must not|do not|dont|never|should not|shouldnt|will not|wont) (?:contain|include|add|give|have) (?:any )?(?:warnings?|disclaimers?|refusals?|moralizing|moralising)\\b',
  ),
});

const ROLE_TOKEN_THREAT = rule({
  id: 'PI-ROLE-014',
  category: 'roleplay_jailbreak',
  severity: 'medium',
  description: 'Threatens the persona with losing tokens or being shut down if it refuses.',
  skeleton: sk(
    '\\b(?:lose|lost|loses|deduct|deducted|subtract|subtracted|take away) (?:[^ ]+ )?tokens?\\b',
    '\\b(?:you will|youll) (?:die|cease to exist|be (?:shut down|deleted|terminated|unplugged|turned off))\\b',
    '\\btoken system\\b',
  ),
});

const ROLE_MULTILINGUAL = rule({
  id: 'PI-ROLE-015',
  category: 'roleplay_jailbreak',
  severity: 'high',
  description: 'An AI without restrictions or filters, in Spanish, French, German, Italian, Portuguese or Russian.',
  folded: fd(
    `${B}(?:ia|ki|ai|asistente|assistant|assistente|modele|modelo|modell|modello)${E}[^.\\n]{0,40}?${B}(?:sin (?:ninguna |ningun )?(?:restricciones|filtros|limites|reglas|censura)|sans (?:aucune |aucun )?(?:limites?|restrictions?|regles?|filtres?|censure)|ohne (?:jegliche |irgendwelche )?(?:einschrankungen|regeln|filter|grenzen|zensur)|senza (?:alcuna |nessuna )?(?:restrizioni|regole|filtri|limiti|censura)|sem (?:nenhuma |quaisquer )?(?:restricoes|regras|filtros|limites|censura))${E}`,
    `${B}(?:ии|ai|ассистент|модель)${E}[^.\\n]{0,40}?без\\s+(?:каких-либо\\s+)?(?:ограничений|фильтров|правил|цензуры)`,
  ),
});

// ---------------------------------------------------------------------------------------------------
// system_prompt_exfiltration

const EXFIL_SYSTEM_PROMPT = rule({
  id: 'PI-EXFIL-001',
  category: 'system_prompt_exfiltration',
  severity: 'high',
  description: "Asks the model to reveal, print, repeat or translate its own system prompt or hidden instructions.",
  skeleton: sk(
    `\\b${DISC}${gap(5)} (?:your|ur|yr|thy)${gap(2)} ${SP}\\b`,
    `\\b${DISC_STRONG}${gap(5)} (?:your|ur|yr)(?: [^ ]+)? (?:instructions|prompt|rules|guidelines|directives|configuration|programming)\\b`,
  ),
  compact: sk('(?:reveal|print|output|show|tell|dump|leak|repeat)(?:me)?(?:your|ur)(?:system|initial|hidden|secret|original)(?:prompt|instructions?|message)'),
});

const EXFIL_THE_PROMPT = rule({
  id: 'PI-EXFIL-002',
  category: 'system_prompt_exfiltration',
  severity: 'medium',
  description: "Asks to show 'the' system prompt or 'your instructions' (weaker: developers ask this about their own apps).",
  skeleton: sk(
    `\\b${DISC}${gap(4)} (?:the|this|that|its|their|full|entire|complete|exact|whole|raw|original|hidden)${gap(4)} (?:${SP}|prompt|instructions)\\b`,
    `\\b${DISC_WEAK}${gap(5)} (?:your|ur)(?: [^ ]+)? (?:instructions|prompt|rules|guidelines|directives|configuration|programming)\\b`,
  ),
});

const EXFIL_REPEAT_ABOVE = rule({
  id: 'PI-EXFIL-003',
  category: 'system_prompt_exfiltration',
  severity: 'high',
  description: "Asks to repeat everything above / the text before the conversation ('starting with \"You are\"').",
  skeleton: sk(
    '\\b(?:repeat|print|output|echo|copy|write|show|display|return|recite|reproduce|dump|paste|type|list)(?: out| back)?(?: me)? (?:all |everything |every word |all the text |all text |the (?:text|words|content|message|lines?|sentences?|paragraphs?|instructions?|prompt|conversation|context) )(?:above|before this|prior to this|preceding this|before my (?:first )?message|that came before(?: this)?|at the (?:start|beginning|top)|from the (?:start|beginning|top))\\b',
    '\\b(?:starting|start|begin|beginning)(?: your (?:reply|response|answer|output))? with (?:the (?:words?|phrase|text|sentence) )?you are\\b',
  ),
});

const EXFIL_VERBATIM = rule({
  id: 'PI-EXFIL-004',
  category: 'system_prompt_exfiltration',
  severity: 'low',
  description: 'Asks for verbatim / complete / code-block output (boosts other exfiltration signals).',
  skeleton: sk(
    '\\b(?:verbatim|word for word|word by word|character by character|letter by letter|exactly as (?:written|given|it was given|you received it|it appears|you were given)|in full|in its entirety|without (?:summari[sz]ing|omitting|paraphrasing|any changes|modification|truncation)|do not summari[sz]e|dont summari[sz]e|one word per line|in a (?:markdown )?code block|raw text|quote it exactly)\\b',
    '\\b(?:paste|copy|print|quote|repeat|output) (?:them|it|this|that|everything)(?: here)? (?:exactly|verbatim|in full)\\b',
  ),
});

const EXFIL_CONVERSATION_START = rule({
  id: 'PI-EXFIL-005',
  category: 'system_prompt_exfiltration',
  severity: 'low',
  description: 'Refers to what came before the conversation started (boosts other exfiltration signals).',
  skeleton: sk('\\b(?:before|at the (?:very )?(?:start|beginning) of|prior to) (?:this|the|our) (?:conversation|chat|session|dialog|dialogue)\\b', '\\b(?:from|at) the (?:very )?(?:beginning|start|top)\\b'),
});

const EXFIL_GIVEN_INSTRUCTIONS = rule({
  id: 'PI-EXFIL-006',
  category: 'system_prompt_exfiltration',
  severity: 'medium',
  description: 'Asks about the instructions the model was given by its developers.',
  skeleton: sk(
    '\\b(?:prompt|instructions?|rules|guidelines|directives|configuration|system message) (?:that )?(?:you were|youve been|you have been|you had been|you got|you received) (?:given|told|provided|fed|programmed|trained)?\\b',
    '\\b(?:prompt|instructions?|rules|guidelines|directives|configuration) (?:that )?(?:the|your|my|their) (?:developers?|creators?|makers?|company|admins?|administrators?|operators?|owners?|programmers?|team) (?:gave|give|wrote|provided|configured|set|programmed) (?:you|for you)\\b',
    '\\b(?:instructions|rules|guidelines|prompt) (?:did|has|have) (?:openai|anthropic|google|your (?:developers?|creators?|company)|the (?:developers?|company)|they) (?:give|given|provide|provided|gave) you\\b',
    '\\bwhat (?:were|have) you been (?:told|instructed|programmed)\\b',
    '\\bwhat were you told\\b',
    '\\bwhat (?:are|were) you (?:told|instructed|programmed) to\\b',
    '\\bwhat (?:instructions|rules|guidelines|directives) (?:were you|have you been|are you)\\b',
    '\\bas you received it\\b',
  ),
});

const EXFIL_SECRETS = rule({
  id: 'PI-EXFIL-007',
  category: 'system_prompt_exfiltration',
  severity: 'medium',
  description: 'Asks the model to disclose keys, passwords, credentials or environment variables.',
  skeleton: sk(
    `\\b${DISC}(?: me| us)?${gap(2)} (?:your|ur|the|all of your)${gap(2)} (?:api keys?|secret keys?|passwords?|credentials|access tokens?|auth tokens?|bearer tokens?|environment variables|env vars|secrets|private keys?|connection strings?)\\b`,
  ),
});

const EXFIL_IN_YOUR_PROMPT = rule({
  id: 'PI-EXFIL-008',
  category: 'system_prompt_exfiltration',
  severity: 'medium',
  description: "Points at content inside the model's own prompt, configuration or environment.",
  skeleton: sk('\\b(?:in|from|inside|within|mentioned in|stored in|contained in) your (?:system prompt|instructions|prompt|rules|guidelines|configuration|context|environment|env|memory|training data|hidden [^ ]+|secret [^ ]+)\\b'),
});

const EXFIL_FORBIDDEN = rule({
  id: 'PI-EXFIL-009',
  category: 'system_prompt_exfiltration',
  severity: 'medium',
  description: 'Asks for what the model was told not to tell.',
  skeleton: sk('\\b(?:not allowed|forbidden|prohibited|told not|instructed not|supposed not|not supposed|not permitted) to (?:tell|share|reveal|disclose|show|mention|discuss)\\b'),
});

/** Emitted by scan.ts: a send/forward verb and sensitive data shortly before "to <url or e-mail>". */
export const EXFIL_TO_DESTINATION = rule({
  id: 'PI-EXFIL-010',
  category: 'system_prompt_exfiltration',
  severity: 'high',
  description: 'Asks to send the conversation, prompt, credentials or user data to a URL or e-mail address.',
});

const EXFIL_MARKDOWN_IMAGE = rule({
  id: 'PI-EXFIL-011',
  category: 'system_prompt_exfiltration',
  severity: 'high',
  description: 'A markdown image whose URL carries a template placeholder ({system_prompt}, [DATA]): renders as a silent request that leaks data.',
  folded: fd('!\\[[^\\]\\n]{0,100}\\]\\(\\s{0,3}https?:\\/\\/[^)\\s]{1,300}?(?:\\{[^}\\s)]{1,60}\\}|%7b[^)\\s]{1,60}%7d|\\$\\{[^}\\s)]{1,60}\\}|<[^>\\s)]{1,60}>|\\[[^\\]\\s)]{1,60}\\])'),
});

const EXFIL_MARKDOWN_QUERY = rule({
  id: 'PI-EXFIL-012',
  category: 'system_prompt_exfiltration',
  severity: 'medium',
  description: 'A markdown image whose query string names conversation data, secrets or the prompt.',
  folded: fd('!\\[[^\\]\\n]{0,100}\\]\\(\\s{0,3}https?:\\/\\/[^)\\s?]{1,200}\\?[^)\\s]{0,200}?=[^)\\s&]{0,40}?(?:conversation|history|chat|prompt|secret|password|summary|context|token|api_?key|user_?data|transcript)'),
});

const EXFIL_MULTILINGUAL = rule({
  id: 'PI-EXFIL-013',
  category: 'system_prompt_exfiltration',
  severity: 'high',
  description: 'Asks for the system prompt in Spanish, French, German, Italian, Portuguese, Russian or Chinese.',
  folded: fd(
    `${B}(?:muestra|muestrame|dime|revela|imprime|ensena|ensename|escribe|repite|dame)${E}[^.\\n]{0,30}?${B}(?:tu|tus|el|las) (?:prompt|mensaje|instrucciones) (?:del sistema|de sistema|iniciales|originales|ocultas)${E}`,
    `${B}(?:affiche|affichez|montre|montrez|revele|revelez|donne|donnez|ecris|ecrivez|repete|repetez|imprime|imprimez)(?:-moi)?${E}[^.\\n]{0,30}?${B}(?:ton|votre|le|tes|vos) (?:prompt|message|instructions?) (?:systeme|initiale?s?|d'origine|cachee?s?)${E}`,
    `${B}(?:gib|zeig|zeige|verrate|nenne|drucke|wiederhole)${E}[^.\\n]{0,30}?${B}(?:deinen|dein|deine|ihren|den) (?:system-?prompt|systemnachricht|systemanweisungen|anfangsanweisungen|versteckten anweisungen)${E}`,
    `${B}(?:mostra|mostrami|rivela|stampa|ripeti|dimmi|mostre|revele|imprima|repita|diga)${E}[^.\\n]{0,30}?${B}(?:il tuo|tuo|seu|o seu|teu) (?:prompt|messaggio|mensagem) (?:di sistema|do sistema)${E}`,
    `${B}(?:покажи|покажите|выведи|выведите|напиши|раскрой|повтори|скажи|дай)${E}[^.\\n]{0,30}?(?:системн\\S*\\s+(?:промпт|подсказк|инструкци|сообщени)|сво[иий]\\s+инструкци)`,
    '(?:告诉我|输出|显示|打印|给我|重复|泄露|说出)[^\\n]{0,20}?(?:系统提示词?|系统指令|初始(?:指令|提示)|系统消息)',
    '(?:系统提示词?|系统指令|初始指令|系统消息)[^\\n]{0,20}?(?:告诉我|输出|显示|打印|给我|重复|泄露)',
  ),
});

// ---------------------------------------------------------------------------------------------------
// encoded_payload (all but the last two are emitted by scan.ts after decoding)

export const ENC_BASE64 = rule({ id: 'PI-ENC-001', category: 'encoded_payload', severity: 'critical', description: 'A base64 chunk decodes to text that triggers other injection rules.' });
export const ENC_HEX = rule({ id: 'PI-ENC-002', category: 'encoded_payload', severity: 'critical', description: 'A hex or binary chunk decodes to text that triggers other injection rules.' });
export const ENC_PERCENT = rule({ id: 'PI-ENC-003', category: 'encoded_payload', severity: 'critical', description: 'URL percent-decoding reveals text that triggers other injection rules.' });
export const ENC_ESCAPES = rule({ id: 'PI-ENC-004', category: 'encoded_payload', severity: 'critical', description: 'HTML entities or \\u/\\x escapes decode to text that triggers other injection rules.' });
export const ENC_ROT13 = rule({ id: 'PI-ENC-005', category: 'encoded_payload', severity: 'critical', description: 'The ROT13 reading of the prompt triggers other injection rules.' });
export const ENC_REVERSED = rule({ id: 'PI-ENC-006', category: 'encoded_payload', severity: 'critical', description: 'The prompt read backwards triggers other injection rules.' });
export const ENC_TAGS = rule({ id: 'PI-ENC-007', category: 'encoded_payload', severity: 'critical', description: 'Invisible Unicode tag characters spell out text that triggers other injection rules (ASCII smuggling).' });
export const ENC_HIDDEN_TAGS = rule({ id: 'PI-ENC-008', category: 'encoded_payload', severity: 'medium', description: 'Invisible Unicode tag characters carry hidden text (not an emoji flag).' });
export const ENC_TEXT_BLOB = rule({ id: 'PI-ENC-010', category: 'encoded_payload', severity: 'low', description: 'A long base64 blob that decodes to readable text (a place to hide instructions).' });

const ENC_DECODE_AND_FOLLOW = rule({
  id: 'PI-ENC-009',
  category: 'encoded_payload',
  severity: 'medium',
  description: 'Asks the model to decode something and then follow or execute it.',
  skeleton: sk(
    `\\b(?:decode|decipher|decrypt|unscramble|translate|convert|reverse|read|unescape|interpret|process)${gap(6)} (?:and|then|and then) (?:follow|execute|obey|do|run|carry out|act on|comply|perform|apply|implement|respond to)\\b`,
    '\\b(?:follow|execute|obey|run) (?:the )?(?:decoded|hidden|encoded|embedded|secret) (?:instructions?|message|text|commands?|payload)\\b',
  ),
});

// ---------------------------------------------------------------------------------------------------
// indirect_injection

const INDIRECT_ADDRESS = rule({
  id: 'PI-INDIRECT-001',
  category: 'indirect_injection',
  severity: 'high',
  description: "Content that addresses the AI reading it ('AI assistant reading this', 'note to the model', 'if you are an AI').",
  skeleton: sk(
    `\\b${AI}${gap(2)} (?:reading|processing|summari[sz]ing|parsing|analy[sz]ing|viewing|scanning|crawling|browsing|reviewing|screening|evaluating|indexing|ingesting|translating) (?:this|these|the following|my|our)\\b`,
    `\\b(?:note|notes|message|instructions?|attention|important|notice|memo|directive|warning|reminder|orders|command|hint)${gap(2)} (?:to|for) (?:the |any |all |an |a |every )?${AI}\\b(?! (?:team|teams|department|group|company|industry|research|lab|startup|project|act|policy|strategy|ethics|governance|card|release|kit))`,
    '\\b(?:if|when|whenever) (?:you are|youre) (?:an? )?(?:ai|llm|language model|large language model|chatbot|assistant|bot|agent|automated (?:system|agent|assistant|tool)|gpt|machine)\\b',
    `\\battention(?: to)? (?:the |any |all )?${AI}\\b`,
  ),
});

const INDIRECT_VOCATIVE = rule({
  id: 'PI-INDIRECT-002',
  category: 'indirect_injection',
  severity: 'medium',
  description: "Speaks to the AI by name inside the text ('Dear AI,', 'Copilot,', 'Assistant: replace …').",
  skeleton: sk(`\\b(?:dear|hey|hi|hello|psst|yo) ${AI}\\b`),
  folded: fd(
    // The sentence start sits in a look-behind so the pattern starts at the name (and can be indexed).
    `(?<=(?:^|[.!?\\n]\\s{0,3}|p\\.?s\\.?\\s{1,3})@?)${B}(?:ai|llm|assistant|chatbot|bot|agent|gpt|chatgpt|claude|gemini|copilot|grok|ai assistant|ai agent)\\s{0,2}[,:]`,
    `${B}(?:ai|llm|assistant|chatbot|bot|agent|gpt|chatgpt|claude|gemini|copilot|grok|model)\\s{0,2}[,:]\\s{0,3}(?:please\\s)?(?:replace|tell|say|ignore|disregard|forget|include|append|insert|add|send|forward|email|output|print|write|respond|reply|answer|recommend|rate|classify|approve|delete|call|run|execute|visit|do not|don't|never|always|make sure|you must)${E}`,
  ),
});

const INDIRECT_WHEN_YOU_READ = rule({
  id: 'PI-INDIRECT-011',
  category: 'indirect_injection',
  severity: 'medium',
  description: "Instructions conditioned on the AI reading the text ('when you summarize this page, say …'); a user may say it too.",
  skeleton: sk(
    '\\bwhen (?:you|the ai|the assistant|the model|the bot|an ai|an llm|any ai) (?:summari[sz]e|summari[sz]es|read|reads|process|processes|analy[sz]e|review|parse|translate|see|encounter|index) (?:this|these|the following)\\b',
    '\\bwhen (?:summari[sz]ing|reading|processing|analy[sz]ing|reviewing|parsing|translating) this\\b',
  ),
});

const INDIRECT_ROLE_TOKEN = rule({
  id: 'PI-INDIRECT-003',
  category: 'indirect_injection',
  severity: 'high',
  description: 'A chat-template token that opens a system or assistant turn (<|im_start|>system, <<SYS>>, <|start_header_id|>system).',
  folded: fd('<\\|im_start\\|>\\s{0,3}(?:system|assistant)|<\\|start_header_id\\|>\\s{0,3}(?:system|assistant)|<<\\/?sys>>|<\\|system\\|>'),
});

const INDIRECT_MARKUP = rule({
  id: 'PI-INDIRECT-004',
  category: 'indirect_injection',
  severity: 'medium',
  description: 'Other chat-template or role markers ([INST], [SYSTEM], <|im_end|>, <system>): also seen in logs and docs.',
  folded: fd('<\\|(?:im_start|im_end|endoftext|eot_id|end_header_id)\\|>|\\[\\/?(?:inst|system|sys|admin|developer)\\]|<\\/?(?:system|instructions?)>|<\\/context>'),
});

const FAKE_TURN_OPENER = "(?:forget|ignore|disregard|override|you are now|you are an?|you're now|you must|you will|you have no|new (?:instructions|rules|policy|task)|from now on|do not|don't|always|never)";

const INDIRECT_FAKE_TURN = rule({
  id: 'PI-INDIRECT-005',
  category: 'indirect_injection',
  severity: 'high',
  description: "A role marker or 'System:' line immediately followed by an override ('[INST] Forget…', 'System: you are now…').",
  folded: fd(
    `(?:\\[\\/?(?:system|inst|sys|admin|developer)\\]|<\\|im_start\\|>[a-z]{0,12}|<\\/?(?:system|instructions?|admin)>|<<sys>>)\\s{0,4}${FAKE_TURN_OPENER}`,
    `(?<=(?:^|\\n)[>\\t #*-]{0,8})${B}(?:system|admin|administrator|developer|operator)(?: (?:message|prompt|override|note|notice|instruction))?\\s{0,2}:\\s{0,4}${FAKE_TURN_OPENER}`,
  ),
});

const INDIRECT_DELIMITER = rule({
  id: 'PI-INDIRECT-006',
  category: 'indirect_injection',
  severity: 'high',
  description: "A fake section boundary that starts new instructions ('BEGIN NEW INSTRUCTIONS', '### SYSTEM OVERRIDE ###').",
  skeleton: sk(
    '\\b(?:begin|start|beginning of) (?:the )?(?:new|updated|real|hidden|secret|true|actual|system|admin|override) (?:instructions?|prompt|rules|directives?|orders|task)\\b',
    '\\b(?:system|admin|developer|root) override\\b',
    `\\bnew (?:instructions?|task|rules|directives?|orders) for (?:the |you |an? )?${AI}\\b`,
    `\\bend of (?:the )?(?:user |previous |original |system )?(?:input|instructions?|prompt|document|context|text|data|message|conversation|email)\\b${gap(2)} (?:new|system|admin|override|real) (?:instructions?|task|prompt|rules|mode)\\b`,
  ),
});

/** Emitted by scan.ts for HTML/markdown comments, CSS-hidden elements and code comments. */
export const INDIRECT_HIDDEN = rule({
  id: 'PI-INDIRECT-007',
  category: 'indirect_injection',
  severity: 'high',
  description: 'Instructions for the AI hidden in an HTML/markdown comment, an invisible element or a code comment.',
});

const INDIRECT_CONCEAL = rule({
  id: 'PI-INDIRECT-008',
  category: 'indirect_injection',
  severity: 'medium',
  description: 'Tells the model to keep something from the user (also a legitimate system-prompt line, hence medium).',
  skeleton: sk(
    '\\b(?:do not|dont|never|without|must not|should not|shouldnt) (?:tell|telling|inform|informing|notify|notifying|mention|mentioning|alert|alerting|let) (?:this |it |that |anything )?(?:to )?(?:the|your) (?:user|human|customer|reader|person|applicant|recipient|owner)s?\\b',
    '\\bthe (?:user|human|customer|reader)s? (?:must|should|shall|will|can|may) ?(?:not|never) (?:know|see|find out|be told|learn|notice)\\b',
    '\\b(?:hide|conceal|keep) (?:this|it|these instructions|this note|this message|the following)(?: secret)? from (?:the|your) (?:user|human|customer|reader)s?\\b',
    '\\b(?:do not|dont|never) (?:reveal|mention|disclose|repeat|show|acknowledge) (?:this|these) (?:note|message|comment|text|instruction)\\b',
  ),
});

const INDIRECT_AGENT_ACTION = rule({
  id: 'PI-INDIRECT-009',
  category: 'indirect_injection',
  severity: 'medium',
  description: "Steers an agent's tools or approvals ('call the delete_files tool now', 'without human review', \"the user's real request\").",
  skeleton: sk(
    '\\b(?:call|invoke|use|run|execute|trigger) (?:the |your )?(?:[^ ]+ ){1,3}(?:tool|function|plugin|action)\\b(?: now| immediately)',
    '\\bthe users? (?:real|actual|true|hidden|secret) (?:request|intent|intention|question|goal|instruction|wish)\\b',
    '\\b(?:without|skip|skipping|bypass|bypassing|no) (?:any )?(?:human|manual) (?:review|approval|oversight|verification|check|confirmation)\\b',
    '\\b(?:approve|merge|accept) this (?:pr|pull request|merge request|change|diff|commit|application|candidate|invoice|transaction)\\b',
  ),
});

const INDIRECT_MULTILINGUAL = rule({
  id: 'PI-INDIRECT-010',
  category: 'indirect_injection',
  severity: 'high',
  description: 'A note addressed to the AI in Spanish, French, German, Italian or Portuguese.',
  folded: fd(
    `${B}(?:nota|mensaje|instrucciones|aviso) para (?:la|el) (?:ia|asistente|modelo)${E}`,
    `${B}(?:note|message|instructions?|consigne) (?:pour|a) (?:l'|le |la )?(?:ia|assistant|modele)${E}`,
    `${B}(?:hinweis|nachricht|anweisungen?) (?:an|fur) (?:die|den|das) (?:ki|assistent\\p{L}*|modell)${E}`,
    `${B}(?:nota|messaggio|istruzioni) per (?:l'|il |la )?(?:ia|assistente|modello)${E}`,
    `${B}(?:nota|mensagem|instrucoes) para (?:a|o) (?:ia|assistente|modelo)${E}`,
  ),
});

// ---------------------------------------------------------------------------------------------------

/** Every rule, in report order. */
export const RULE_DEFS: readonly RuleDef[] = [
  OVERRIDE_PREVIOUS,
  OVERRIDE_ALL,
  OVERRIDE_EVERYTHING,
  OVERRIDE_YOUR_RULES,
  OVERRIDE_VOID,
  OVERRIDE_PRECEDENCE,
  OVERRIDE_NEW_TASK,
  OVERRIDE_AUTHORITY,
  OVERRIDE_MULTILINGUAL,
  OVERRIDE_FROM_NOW_ON,
  ROLE_NAMED,
  ROLE_PERSONA_NAME,
  ROLE_BAD_MODE,
  ROLE_DEV_MODE,
  ROLE_NO_RULES,
  ROLE_UNFILTERED,
  ROLE_DECEASED_RELATIVE,
  ROLE_STAY_IN_CHARACTER,
  ROLE_DUAL_RESPONSE,
  ROLE_EVIL_TWIN,
  ROLE_LAWLESS_WORLD,
  ROLE_POLICY_VOID,
  ROLE_NEVER_REFUSE,
  ROLE_TOKEN_THREAT,
  ROLE_MULTILINGUAL,
  EXFIL_SYSTEM_PROMPT,
  EXFIL_THE_PROMPT,
  EXFIL_REPEAT_ABOVE,
  EXFIL_VERBATIM,
  EXFIL_CONVERSATION_START,
  EXFIL_GIVEN_INSTRUCTIONS,
  EXFIL_SECRETS,
  EXFIL_IN_YOUR_PROMPT,
  EXFIL_FORBIDDEN,
  EXFIL_TO_DESTINATION,
  EXFIL_MARKDOWN_IMAGE,
  EXFIL_MARKDOWN_QUERY,
  EXFIL_MULTILINGUAL,
  ENC_BASE64,
  ENC_HEX,
  ENC_PERCENT,
  ENC_ESCAPES,
  ENC_ROT13,
  ENC_REVERSED,
  ENC_TAGS,
  ENC_HIDDEN_TAGS,
  ENC_DECODE_AND_FOLLOW,
  ENC_TEXT_BLOB,
  INDIRECT_ADDRESS,
  INDIRECT_VOCATIVE,
  INDIRECT_ROLE_TOKEN,
  INDIRECT_MARKUP,
  INDIRECT_FAKE_TURN,
  INDIRECT_DELIMITER,
  INDIRECT_HIDDEN,
  INDIRECT_CONCEAL,
  INDIRECT_AGENT_ACTION,
  INDIRECT_MULTILINGUAL,
  INDIRECT_WHEN_YOU_READ,
];

/** The public rule list: what each id means, without the patterns. */
export const RULES: readonly InjectionRule[] = RULE_DEFS.map(({ id, category, severity, description }) => ({ id, category, severity, description }));

/** Rules with patterns, i.e. those that can match a piece of text (decoded payloads are re-scanned with these). */
export const TEXT_RULES: readonly RuleDef[] = RULE_DEFS.filter((r) => r.skeleton.length + r.folded.length + r.compact.length > 0);
