// Tests run on the TypeScript sources (transformed by swc); workspace packages resolve to their
// src/index.ts so that a test never depends on a stale build.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  moduleNameMapper: { '^@kubemu/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts' },
  testTimeout: 60000,
};
