// Lint rules that keep the architecture honest (docs/architecture.md):
// model and planner are pure, layers only import downwards, no import cycles.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const io = [
  'node:fs',
  'node:fs/promises',
  'node:child_process',
  'node:net',
  'node:http',
  'node:https',
  'node:os',
  'node:process',
  'node:worker_threads',
  'fs',
  'child_process',
  'net',
  'http',
  'https',
  'os',
];
const ioPatterns = io.map((name) => ({
  group: [name],
  message: 'model and planner are pure: no I/O.',
}));
const forbid = (layers) =>
  layers.map((layer) => ({
    group: [`**/${layer}/**`, `../${layer}/*`, `../../${layer}/*`],
    message: `this layer must not import ${layer}/ (see docs/architecture.md).`,
  }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', '*.ts', 'bench/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'import-x/no-cycle': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/model/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...ioPatterns,
            ...forbid([
              'campaign',
              'planner',
              'engine',
              'drivers',
              'store',
              'cli',
              'server',
              'web',
            ]),
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'Date', 'fetch', 'setTimeout', 'setInterval'],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'use a seeded random source' },
      ],
    },
  },
  {
    files: ['src/planner/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...ioPatterns,
            ...forbid(['engine', 'drivers', 'store', 'cli', 'server', 'web']),
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'Date', 'fetch', 'setTimeout', 'setInterval'],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'use a seeded random source' },
      ],
    },
  },
  {
    files: ['src/campaign/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: forbid(['planner', 'engine', 'drivers', 'store', 'cli', 'server', 'web']) },
      ],
    },
  },
  {
    // The engine executes plans through drivers and journals to the store; interfaces sit above it.
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: forbid(['cli', 'server', 'web']) }],
    },
  },
  {
    // The store is the data layer under the engine: it knows the model, nothing above it.
    files: ['src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbid(['campaign', 'planner', 'engine', 'drivers', 'cli', 'server', 'web']),
        },
      ],
    },
  },
  {
    // Tests may reach across layers (a planner test plans a generated cloud).
    files: ['src/**/*.test.ts', 'src/**/testing/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [] }],
    },
  },
  {
    files: ['**/*.mjs', 'vitest.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
);
