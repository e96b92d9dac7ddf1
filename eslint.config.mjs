// Lint gate (CI runs `npm run lint`): typescript-eslint's recommended rules plus the type-aware
// rules that catch real defects here (unneeded casts, floating promises, awaiting non-promises).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'docs/api/**', 'tarballs/**', '**/*.d.ts', 'test/.readme-*', '**/.turbo/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Rank casts of tfjs results (`as tf.Tensor2D`) and of fitLaplace's result class are the tfjs
      // idiom; every other unneeded cast (e.g. `as unknown as ModelLike`) is an error.
      '@typescript-eslint/no-unnecessary-type-assertion': [
        'error',
        {
          typesToIgnore: [
            'Tensor',
            'tf.Tensor',
            'tf.Scalar',
            'tf.Tensor1D',
            'tf.Tensor2D',
            'tf.Tensor3D',
            'tf.Tensor4D',
            'FullLaplace',
            'KronLaplace',
            'DiagLaplace',
            'Promise<KronLaplace>',
          ],
        },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Outside the root tsconfig (the consumer app compiles against the packed packages; tsup's config).
    files: ['scripts/consumer/**/*.ts', 'tsup.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
      },
    },
  },
);
