// Lint rules that keep the package boundaries of ARCHITECTURE.md honest:
// no import cycles, no deep imports into another package's files, no floating promises.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver': { node: { extensions: ['.ts', '.js'] } },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // A package is used through its name and its src/index.ts only.
      'import-x/no-relative-packages': 'error',
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@kubemu/*/*'], message: 'Import another package by its name only (its src/index.ts is its public surface).' }] },
      ],
    },
  },
);
