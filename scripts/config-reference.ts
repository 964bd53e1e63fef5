// Writes docs/configuration-reference.md from the config schema. Run from the repository root:
//   node --import tsx scripts/config-reference.ts
// deploy/test/config-reference.test.ts fails when the committed file differs from what this writes.
import { writeFileSync } from 'node:fs';
import { REFERENCE_FILE, renderConfigReference } from './config-reference/render.js';

writeFileSync(REFERENCE_FILE, renderConfigReference());
console.log(`wrote ${REFERENCE_FILE}`);
