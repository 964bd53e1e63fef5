#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the repo needs no build step to run.
import { register } from 'tsx/esm/api';
register();
await import('../src/main.ts');
