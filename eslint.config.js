// Lint rules: typescript-eslint with type information; promises must be handled; workflows stay deterministic.
import tseslint from 'typescript-eslint';
import predictionsByIndex from './lint/predictionsByIndex.js';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'worker_threads', 'stream', 'process', 'dns', 'tls', 'zlib'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.state/**', '.tools/**', '.scratch/**', 'bin/**', 'lib/threads/tsEntry.mjs', 'eslint.config.js', 'lint/*.js'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // The prediction log's view is one row per instance unnested from request rows: reads go through its indexes (lib/store/predictionQueries.ts).
    files: ['lib/**/*.ts', 'activities/**/*.ts', 'serving/**/*.ts', 'triggers/**/*.ts', 'worker/**/*.ts'],
    plugins: { mlcycle: { rules: { 'predictions-by-index': predictionsByIndex } } },
    rules: { 'mlcycle/predictions-by-index': 'error' },
  },
  {
    // Workflows and the contracts they import run in the deterministic sandbox.
    files: ['workflows/**/*.ts', 'contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', ...nodeBuiltins, ...nodeBuiltins.map((m) => `${m}/*`), 'pg', 'onnxruntime-node', 'arquero', 'fastify', 'zod'],
              message: 'workflows and contracts run in the deterministic sandbox: do this in an activity',
            },
            { group: ['../activities/*', '../lib/**'], message: 'workflows and contracts import activities and lib as types only', allowTypeImports: true },
            { group: ['../triggers/*', '../stack/*', '../worker/*', '../serving/*'], message: 'dependencies point one way: triggers → contracts ← workflows' },
          ],
        },
      ],
    },
  },
  {
    // lib/ is the domain: free of Temporal and of the store (lib/store is the one place that talks to mlcycle's database;
    // lib/data/sources reads users' own databases with pg).
    files: ['lib/**/*.ts'],
    ignores: ['lib/store/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@temporalio/*'], message: 'lib/ is free of Temporal: do this in activities/ or workflows/' },
            { group: ['../store/*', '../../store/*', '**/lib/store/*'], message: 'lib/ does not use the store: take the data as arguments', allowTypeImports: true },
            { group: ['../../contracts/*', '../../workflows/*', '../../activities/*', '../../triggers/*', '../../serving/*', '../../stack/*', '../../worker/*'], message: 'lib/ depends on nothing above it' },
          ],
        },
      ],
    },
  },
  {
    // temporal/ is how mlcycle reaches Temporal (connection options, payload codec): below everything that connects.
    files: ['temporal/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../triggers/*', '../stack/*', '../worker/*', '../serving/*', '../activities/*', '../workflows/*'], message: 'temporal/ is imported by worker/, stack/ and triggers/, never the other way' }] },
      ],
    },
  },
  {
    // The worker process never reaches into the triggers or the dev stack; the dev stack never into the triggers.
    files: ['worker/**/*.ts', 'stack/**/*.ts', 'serving/**/*.ts', 'activities/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../triggers/*'], message: 'triggers start runs; nothing below them imports them' }] }],
    },
  },
  {
    // Serving scales apart from Temporal: it never imports the SDK (its codec endpoint uses lib/crypto alone).
    files: ['serving/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../triggers/*'], message: 'triggers start runs; nothing below them imports them' },
            { group: ['@temporalio/*', '../temporal/*'], message: 'serving does not talk to Temporal: use lib/ (lib/crypto for payloads)' },
          ],
        },
      ],
    },
  },
);
