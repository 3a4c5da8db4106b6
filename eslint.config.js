// Lint rules: typescript-eslint with type information; promises must be handled; workflows stay deterministic.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'worker_threads', 'stream', 'process', 'dns', 'tls', 'zlib'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.state/**', '.tools/**', '.scratch/**', 'bin/**', 'serving/scoringWorkerEntry.mjs', 'eslint.config.js'] },
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
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', ...nodeBuiltins, ...nodeBuiltins.map((m) => `${m}/*`), 'pg', 'onnxruntime-node', 'arquero', 'fastify'],
              message: 'workflows run in the deterministic sandbox: do this in an activity',
            },
            { group: ['../activities/*', '../lib/**'], message: 'workflows import activities and lib as types only', allowTypeImports: true },
          ],
        },
      ],
    },
  },
);
