import { describe, expect, it } from 'vitest';
import { envOverrides } from '@sentinel/config';
import { REFERENCE_FILE, configKeys, renderConfigReference } from '../../scripts/config-reference/render.js';
import { pathKey } from '../../scripts/config-reference/doc-comments.js';
import { readText } from './tools.js';

describe('docs/configuration-reference.md', () => {
  const keys = configKeys();

  it('is what scripts/config-reference.ts generates from the schema (run it after changing the schema)', () => {
    expect(readText(REFERENCE_FILE)).toBe(renderConfigReference());
  });

  it('names environment variables that set exactly their key', () => {
    const withEnv = keys.filter((k) => k.env);
    expect(withEnv.length).toBeGreaterThan(50);
    // A map's key in a variable is written as it is in the file, upper-cased.
    for (const { path, env } of withEnv) {
      expect([...envOverrides({ [env!.replace('<NAME>', 'COST_USD')]: '1' }).sources.keys()]).toEqual([pathKey(path.map((k) => (k === '<name>' ? 'cost_usd' : k)))]);
    }
  });

  it('describes every key of libs/config (detection and privacy are their libraries\' schemas)', () => {
    const own = keys.filter((k) => !['detection', 'privacy'].includes(k.path[0]!) && k.type !== 'section');
    expect(own.filter((k) => !k.description).map((k) => pathKey(k.path))).toEqual([]);
  });

  it('is linked from docs/configuration.md and the README', () => {
    expect(readText('docs/configuration.md')).toContain('(configuration-reference.md)');
    expect(readText('README.md')).toContain('(docs/configuration-reference.md)');
  });
});
