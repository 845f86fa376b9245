import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['examples/**', 'bench/**', 'conformance/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // The CommonJS example exists to show require() working.
    files: ['examples/commonjs/**'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
)
