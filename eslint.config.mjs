import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**', '.cache/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The web console runs in the browser.
    files: ['apps/console/web/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['libs/{detection,privacy,security}/src/**/*.ts'],
    rules: {
      // Pure logic: no I/O and no clock reads; time arrives with the event.
      'no-restricted-imports': ['error', { patterns: ['node:fs*', 'node:net', 'node:http*', 'fs', 'net', 'http', 'https', 'node:child_process'] }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'libs/detection reads no clock' }, { object: 'performance', property: 'now', message: 'libs/detection reads no clock' }],
    },
  },
);
