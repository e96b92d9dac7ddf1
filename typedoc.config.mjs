// typedoc (npm run docs): one API reference for the five @spam/* packages, in docs/api/ (gitignored),
// with docs/CONCEPTS.md as its front page. Each package is documented from its TypeScript sources:
// one entry per subpath of its `exports` map (`./dist/<name>.js` -> `src/<name>.ts`, e.g.
// `@spam/structured/node` -> `src/node.ts`).
import { existsSync, readFileSync } from 'node:fs';

const packages = ['core', 'priors', 'laplace', 'prune', 'structured'].map((d) => `packages/${d}`);

const names = new Set();
for (const dir of packages) {
  const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
  for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
    const m = sub !== './package.json' && /^\.\/dist\/(.+)\.js$/.exec(target?.import?.default ?? '');
    if (m && existsSync(`${dir}/src/${m[1]}.ts`)) names.add(m[1]);
  }
}
// One pattern for all packages (typedoc's packageOptions are shared): an extglob of the entry names
// that only matches the files each package has.
const entry = names.size > 1 ? `src/@(${[...names].join('|')}).ts` : 'src/index.ts';

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'SpaM for TensorFlow.js',
  entryPoints: packages,
  entryPointStrategy: 'packages',
  packageOptions: {
    entryPoints: [entry],
    tsconfig: '../../tsconfig.json',
    excludeInternal: true,
    excludePrivate: true,
    sort: ['source-order'],
    disableSources: true,
  },
  out: 'docs/api',
  readme: 'docs/CONCEPTS.md',
  includeVersion: true,
  disableSources: true,
  highlightLanguages: ['bash', 'sh', 'ts', 'typescript', 'js', 'javascript', 'json', 'bibtex', 'text'],
  validation: { notExported: true, invalidLink: true, notDocumented: false },
};
