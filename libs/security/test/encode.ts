/** Encoders for building test payloads. */
export const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
export const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');
export const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join('');
export const entities = (s: string) => [...s].map((c) => `&#${c.codePointAt(0)};`).join('');
export const uescapes = (s: string) => [...s].map((c) => '\\u' + (c.codePointAt(0) as number).toString(16).padStart(4, '0')).join('');
export const rot13 = (s: string) => s.replace(/[a-z]/gi, (c) => String.fromCharCode(((c.charCodeAt(0) - (c <= 'Z' ? 65 : 97) + 13) % 26) + (c <= 'Z' ? 65 : 97)));
export const backwards = (s: string) => [...s].reverse().join('');
export const tags = (s: string) => [...s].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
export const ENGLAND_FLAG = '\u{1f3f4}\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}';
