#!/usr/bin/env node
// Consumer test: the @spam/* packages as a user gets them from npm.
//
//   npm run test:consumer [-- --skip-build] [-- --tfjs 4.22.0 --tfjs 4.10.0] [-- --keep]
//
// 1. Builds (turbo; cached) and checks every packages/*/package.json: published, linked versions,
//    exports with types/import/require, files, sideEffects, engines, license, repository, keywords;
//    dependencies only sibling @spam/* packages at their exact version; tfjs-core as a peer in the
//    supported range and tfjs-node / tfjs-node-gpu as optional peers; no install scripts.
// 2. `npm pack`s each package and checks the tarball: only package.json, README.md, LICENSE and
//    dist/; every file named by exports/main/module/types is in it; every import/require/type
//    import in dist/ is a relative path inside the tarball, a Node builtin, a dependency or a peer;
//    no file mentions the repository's path or ../shared.
// 3. Creates a scratch project in the OS temp folder (outside the repository, with no node_modules
//    above it), installs the tarballs + @tensorflow/tfjs + @tensorflow/tfjs-backend-wasm (at each
//    --tfjs version; default both ends of the peer range, 4.22.0 and 4.10.0; plus
//    @tensorflow/tfjs-layers at that version when a package peers on it) + typescript +
//    @types/node, and there, with NODE_PATH, NODE_OPTIONS and npm's per-project variables unset:
//    - checks that every @spam/* package was installed from its tarball (lock entries `file:`,
//      real folders, one copy each) and `npm ls --all` is clean;
//    - imports each package from ESM and requires it from CJS (same export names both ways);
//    - compiles scripts/consumer/app.ts (ESM) and app-cjs.cts (CJS) with tsc `strict` and
//      module nodenext against the published .d.ts / .d.cts, and runs them: a kron Laplace fit,
//      marglikTraining with a marglik step per epoch, OPD scores, a global 50 % mask, applyMask and
//      sparsity reports, unit scores + pruneUnits to a smaller model equal to the unit-masked one
//      (wasm backend), then a diag fit + OPD mask from CommonJS (cpu backend);
//    - checks no tfjs version warning was printed.
// 4. Copies only node_modules/@spam into a second scratch folder without tfjs and checks that
//    importing (ESM) and requiring (CJS) each package fails with a message naming
//    @tensorflow/tfjs-core.
// 5. Installs @spam/core next to tfjs-core 3.21.0 (outside the peer range, --legacy-peer-deps) and
//    checks that loading it from ESM and CJS and checking again prints exactly one warning.
// Prints `consumer test: ok (...)` or `consumer test: FAILED: ...` (exit 1).
import { builtinModules } from 'node:module';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ancestorNodeModules, isInside, npmPack, publishedPackages, ROOT, rootInstalledVersion, run } from './lib/pack.mjs';

const { values: flags } = parseArgs({
  options: {
    'skip-build': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    tfjs: { type: 'string', multiple: true },
  },
});
/** Both ends of the peer range by default: the version the repo uses and the lowest supported one. */
const TFJS_VERSIONS = flags.tfjs?.length ? flags.tfjs : ['4.22.0', '4.10.0'];
/** A tfjs-core outside the range, for the warn-once check. */
const UNSUPPORTED_TFJS = '3.21.0';

/** Peers a package may declare; the tfjs-node ones must be optional. */
const ALLOWED_PEERS = new Set([
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  '@tensorflow/tfjs-backend-wasm',
]);
const OPTIONAL_PEERS = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
/** Third-party runtime dependencies a package may have (none today). */
const ALLOWED_DEPS = new Set([]);
const TARBALL_FILE = /^(package\.json|README\.md|LICENSE|dist\/[\w./-]+\.(js|cjs|mjs|d\.ts|d\.cts|d\.mts|map))$/;
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

const t0 = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const log = (s) => console.log(`[consumer] ${s}`);
const failures = [];
const fail = (what) => {
  failures.push(what);
  console.error(`[consumer] FAIL ${what}`);
};
const expect = (cond, what) => {
  if (!cond) fail(what);
  return Boolean(cond);
};

let work;
try {
  main();
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
if (work && !flags.keep) rmSync(work, { recursive: true, force: true });
else if (work) log(`kept ${work}`);
if (failures.length) {
  console.log(`consumer test: FAILED: ${failures.length} problem(s), first: ${failures[0].split('\n')[0]}`);
  process.exit(1);
}
console.log(
  `consumer test: ok (${publishedPackages().length} packages packed, ESM+CJS imports, tsc strict, run on tfjs ${TFJS_VERSIONS.join(' and ')}; ${secs(Date.now() - t0)})`,
);

function main() {
  if (!flags['skip-build']) {
    const b = run('npm', ['run', 'build'], { cwd: ROOT, env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } });
    log(`build: ${secs(b.ms)}`);
  }
  const packages = publishedPackages();
  for (const p of packages) checkManifest(p, packages);

  work = mkdtempSync(join(realpathSync(tmpdir()), 'spam-consumer-'));
  if (isInside(work, ROOT)) throw new Error(`scratch folder ${work} is inside the repository`);
  const above = ancestorNodeModules(work);
  const globalDirs = [join(homedir(), '.node_modules'), join(homedir(), '.node_libraries')].filter(existsSync);
  if (above.length || globalDirs.length)
    throw new Error(`module folders visible from the scratch project: ${[...above, ...globalDirs].join(', ')}`);

  // Pack and inspect every tarball.
  const tarDir = join(work, 'tarballs');
  mkdirSync(tarDir);
  const tarballs = {};
  let tp = Date.now();
  for (const p of packages) {
    const info = npmPack(p.path, tarDir);
    tarballs[p.pkg.name] = info.tarball;
    const unpacked = join(work, 'unpacked', p.dir);
    mkdirSync(unpacked, { recursive: true });
    run('tar', ['-xzf', info.tarball, '-C', unpacked, '--strip-components=1']);
    checkTarball(p, info, unpacked);
  }
  log(`packed and inspected ${packages.length} tarballs: ${secs(Date.now() - tp)}`);

  let firstApp;
  for (const version of TFJS_VERSIONS) {
    const app = join(work, `app-tfjs-${version}`);
    try {
      consumerProject(app, tarballs, packages, version);
      firstApp ??= app;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const eresolve = /ERESOLVE/.test(msg)
        ? ' (ERESOLVE: npm cannot place the peers of the @spam/* packages next to this tfjs version; see the npm error above)'
        : '';
      fail(`[tfjs ${version}] ${msg.split('\n')[0]}${eresolve}\n${msg.split('\n').slice(1).join('\n')}`);
    }
  }
  if (!firstApp) throw new Error('no consumer project installed; skipping the missing-peer check');
  missingPeer(join(work, 'nopeer'), firstApp, packages);
  versionWarning(join(work, `old-tfjs-${UNSUPPORTED_TFJS}`), tarballs);
}

function checkManifest({ dir, pkg }, packages) {
  const where = `packages/${dir}/package.json`;
  const versions = new Map(packages.map((p) => [p.pkg.name, p.pkg.version]));
  expect(pkg.name === `@spam/${dir}`, `${where}: name is @spam/${dir}`);
  expect(pkg.private !== true, `${where}: not private`);
  expect(new Set(versions.values()).size === 1, `${where}: linked versions (all packages at one version): ${[...versions]}`);
  expect(pkg.license === 'MIT', `${where}: license MIT`);
  expect(pkg.repository?.url && pkg.repository?.directory === `packages/${dir}`, `${where}: repository with directory`);
  expect(Array.isArray(pkg.keywords) && pkg.keywords.length > 0, `${where}: keywords`);
  expect(typeof pkg.engines?.node === 'string', `${where}: engines.node`);
  // @spam/tfjs-wasm-kernels (a required peer of tfjs-backend-wasm) registers kernels on import: a side effect.
  // Other packages are side-effect free, or list exactly the dist entries that register something on
  // import (e.g. @spam/laplace/parallel registers worker threads).
  const registersKernels =
    Boolean(pkg.peerDependencies?.['@tensorflow/tfjs-backend-wasm']) &&
    !pkg.peerDependenciesMeta?.['@tensorflow/tfjs-backend-wasm']?.optional;
  const listed =
    Array.isArray(pkg.sideEffects) && pkg.sideEffects.length > 0 && pkg.sideEffects.every((f) => /^\.\/dist\/[\w.-]+\.c?js$/.test(f));
  expect(registersKernels ? pkg.sideEffects === true : pkg.sideEffects === false || listed, `${where}: sideEffects ${registersKernels}`);
  expect(pkg.type === 'module', `${where}: type module`);
  expect(pkg.exports?.['.'], `${where}: exports["."]`);
  for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
    if (sub === './package.json') continue;
    for (const cond of ['import', 'require']) {
      expect(target?.[cond]?.types && target?.[cond]?.default, `${where}: exports["${sub}"].${cond} has types and default`);
    }
  }
  expect(pkg.exports?.['./package.json'] === './package.json', `${where}: exports ./package.json`);
  expect(
    Array.isArray(pkg.files) && pkg.files.includes('dist') && !pkg.files.some((f) => /^(src|test)/.test(f)),
    `${where}: files = dist (+ README, LICENSE), no sources`,
  );
  expect(!pkg.bundleDependencies && !pkg.bundledDependencies, `${where}: no bundled dependencies`);
  for (const s of INSTALL_SCRIPTS) expect(!pkg.scripts?.[s], `${where}: no ${s} script`);
  for (const [name, spec] of Object.entries(pkg.dependencies ?? {})) {
    if (versions.has(name))
      expect(
        spec === versions.get(name),
        `${where}: dependency ${name} is "${versions.get(name)}" (the sibling's exact version), got "${spec}"`,
      );
    else expect(ALLOWED_DEPS.has(name), `${where}: dependency ${name} is neither a sibling @spam/* package nor allowed`);
    expect(!/^(file:|link:|workspace:|portal:|\.|\/)/.test(String(spec)), `${where}: dependency ${name} points at a path (${spec})`);
  }
  const peers = pkg.peerDependencies ?? {};
  expect(peers['@tensorflow/tfjs-core'] === '>=4.10.0 <5', `${where}: peer @tensorflow/tfjs-core ">=4.10.0 <5"`);
  for (const name of Object.keys(peers)) expect(ALLOWED_PEERS.has(name), `${where}: unexpected peer ${name}`);
  // A wasm-backend package (@spam/tfjs-wasm-kernels) has no use for the node backends as peers.
  const wasmOnly = registersKernels;
  for (const name of wasmOnly ? [] : OPTIONAL_PEERS)
    expect(peers[name] && pkg.peerDependenciesMeta?.[name]?.optional === true, `${where}: ${name} is an optional peer`);
  expect(!pkg.peerDependenciesMeta?.['@tensorflow/tfjs-core']?.optional, `${where}: tfjs-core is a required peer`);
}

function checkTarball({ dir, pkg }, info, unpacked) {
  const where = `tarball of @spam/${dir}`;
  const files = info.files.map((f) => f.path);
  for (const f of files) expect(TARBALL_FILE.test(f), `${where}: unexpected file ${f}`);
  const named = [
    pkg.main,
    pkg.module,
    pkg.types,
    ...subpaths(pkg).flatMap(([, t]) => Object.values(t).flatMap((c) => Object.values(c))),
  ].map((f) => f.replace(/^\.\//, ''));
  for (const f of ['package.json', 'README.md', 'LICENSE', ...named]) expect(files.includes(f), `${where}: missing ${f}`);
  const packed = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'));
  expect(
    JSON.stringify(packed.dependencies ?? {}) === JSON.stringify(pkg.dependencies ?? {}),
    `${where}: packed dependencies equal the source manifest's`,
  );
  const allowed = new Set([...Object.keys(packed.dependencies ?? {}), ...Object.keys(packed.peerDependencies ?? {})]);
  const builtins = new Set(builtinModules);
  for (const f of files) {
    const text = readFileSync(join(unpacked, f), 'utf8');
    expect(!text.includes(ROOT), `${where}: ${f} contains the repository path ${ROOT}`);
    expect(!/\.\.\/shared\b/.test(text), `${where}: ${f} mentions ../shared`);
    expect(!/\bworkspace:/.test(text) || f.endsWith('.map') || f === 'README.md', `${where}: ${f} mentions workspace:`);
    if (!/\.(js|cjs|mjs|d\.ts|d\.cts|d\.mts)$/.test(f)) continue;
    for (const spec of specifiers(text)) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(join(unpacked, f)), spec);
        const inside = isInside(target, unpacked);
        // A declaration file names its sibling chunks by their runtime names (`./chunk-x.js` for `chunk-x.d.ts`).
        const declared = /\.d\.(ts|cts|mts)$/.test(f) ? [target.replace(/\.js$/, '.d.ts'), target.replace(/\.cjs$/, '.d.cts')] : [];
        const exists = [...['', '.js', '.cjs', '.d.ts', '/index.js', '/index.d.ts'].map((ext) => target + ext), ...declared].some(
          (file) => existsSync(file) && statSync(file).isFile(),
        );
        expect(inside && exists, `${where}: ${f} imports ${spec}, which is not a file in the tarball`);
      } else if (spec.startsWith('/') || /^[a-z]:/i.test(spec) || spec.startsWith('file:')) {
        fail(`${where}: ${f} imports the absolute path ${spec}`);
      } else {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        // Self-reference by a subpath of the package's own exports (e.g. @spam/laplace/parallel) is allowed.
        const self = name === pkg.name && Object.hasOwn(pkg.exports ?? {}, `.${spec.slice(name.length)}`);
        const ok = self || allowed.has(name) || builtins.has(spec) || builtins.has(name) || spec.startsWith('node:');
        expect(ok, `${where}: ${f} imports '${spec}', which is not a dependency or peer of the package`);
      }
    }
  }
}

/** The package's export subpaths other than ./package.json, as [subpath, {import, require}]. */
function subpaths(pkg) {
  return Object.entries(pkg.exports ?? {}).filter(([sub, t]) => sub !== './package.json' && typeof t === 'object');
}

/** Module specifiers of import/export-from, side-effect imports, require(), import(), require.resolve() and type references. */
function specifiers(text) {
  const out = new Set();
  const patterns = [
    /(?:^|[^\w$.])(?:import|export)\s[^'"`;]*?\sfrom\s*(['"])([^'"\n]+)\1/g,
    /(?:^|[^\w$.])import\s*(['"])([^'"\n]+)\1/g,
    /(?:^|[^\w$.])(?:require|import)\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
    /(?:^|[^\w$])require\.resolve\(\s*(['"])([^'"\n]+)\1/g,
    /<reference\s+(?:types|path)=(['"])([^'"\n]+)\1/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) if (!m[2].includes('${')) out.add(m[2]);
  return out;
}

function consumerProject(app, tarballs, packages, tfjsVersion) {
  const tag = `tfjs ${tfjsVersion}`;
  mkdirSync(join(app, 'src'), { recursive: true });
  const deps = Object.fromEntries(Object.entries(tarballs).map(([name, tgz]) => [name, `file:${tgz}`]));
  // A required peer on tfjs-layers (which @tensorflow/tfjs brings as a dependency) is listed
  // explicitly at the same version, as the README tells users to: left implicit, npm resolves it to
  // the newest tfjs-layers, whose exact tfjs-core peer then conflicts with an older
  // tfjs-backend-wasm (ERESOLVE).
  const layersPeer = packages.filter(
    (p) => p.pkg.peerDependencies?.['@tensorflow/tfjs-layers'] && !p.pkg.peerDependenciesMeta?.['@tensorflow/tfjs-layers']?.optional,
  );
  const extra = layersPeer.length ? { '@tensorflow/tfjs-layers': tfjsVersion } : {};
  if (layersPeer.length)
    log(
      `[${tag}] ${layersPeer.map((p) => p.pkg.name).join(', ')} peer on @tensorflow/tfjs-layers: listing @tensorflow/tfjs-layers@${tfjsVersion} explicitly`,
    );
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify(
      {
        name: 'spam-consumer',
        private: true,
        type: 'module',
        dependencies: { ...deps, '@tensorflow/tfjs': tfjsVersion, '@tensorflow/tfjs-backend-wasm': tfjsVersion, ...extra },
        devDependencies: { typescript: rootInstalledVersion('typescript'), '@types/node': rootInstalledVersion('@types/node') },
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          noUncheckedIndexedAccess: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2022', 'dom'],
          types: ['node'],
          rootDir: 'src',
          outDir: 'dist',
          noEmitOnError: true,
          skipLibCheck: true,
        },
        include: ['src'],
      },
      null,
      2,
    ),
  );
  // The published .d.ts/.d.cts themselves, checked with skipLibCheck off (tfjs's own typings do not
  // pass that, so only errors located in node_modules/@spam/ count).
  writeFileSync(
    join(app, 'tsconfig.dts.json'),
    JSON.stringify({ extends: './tsconfig.json', compilerOptions: { skipLibCheck: false, noEmit: true }, include: ['dts-check'] }, null, 2),
  );
  mkdirSync(join(app, 'dts-check'));
  const typeImports = packages.map((p) => `import type * as ${p.dir} from '${p.pkg.name}';`).join('\n');
  const typeUse = `export type Used = [${packages.map((p) => `typeof ${p.dir}`).join(', ')}];\n`;
  writeFileSync(join(app, 'dts-check', 'esm.ts'), `${typeImports}\n${typeUse}`);
  writeFileSync(join(app, 'dts-check', 'cjs.cts'), `${typeImports}\n${typeUse}`);
  cpSync(join(ROOT, 'scripts', 'consumer', 'app.ts'), join(app, 'src', 'app.ts'));
  cpSync(join(ROOT, 'scripts', 'consumer', 'app-cjs.cts'), join(app, 'src', 'app-cjs.cts'));

  const inst = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app });
  log(`[${tag}] npm install: ${secs(inst.ms)}`);

  // Installed from the tarballs, one real copy each, and a clean tree.
  const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'));
  const spamEntries = Object.entries(lock.packages).filter(([k]) => /(^|\/)node_modules\/@spam\//.test(k));
  expect(
    spamEntries.length === packages.length,
    `[${tag}] lock has exactly ${packages.length} @spam/* entries (got ${spamEntries.map(([k]) => k)})`,
  );
  for (const [key, entry] of spamEntries) {
    expect(/^node_modules\/@spam\/[\w-]+$/.test(key), `[${tag}] ${key} is installed once, at the top level`);
    expect(
      String(entry.resolved ?? '').startsWith('file:') && !entry.link,
      `[${tag}] ${key} comes from its tarball (resolved ${entry.resolved})`,
    );
  }
  for (const p of packages) {
    const d = join(app, 'node_modules', '@spam', p.dir);
    expect(
      existsSync(d) && !lstatSync(d).isSymbolicLink() && !isInside(realpathSync(d), ROOT),
      `[${tag}] node_modules/@spam/${p.dir} is a real folder outside the repository`,
    );
  }
  const ls = run('npm', ['ls', '--all', '--json'], { cwd: app, check: false });
  const tree = JSON.parse(ls.stdout || '{}');
  expect(
    ls.status === 0 && !(tree.problems ?? []).length,
    `[${tag}] npm ls --all is clean: ${(tree.problems ?? []).join('; ') || ls.stderr.slice(0, 300)}`,
  );
  const core = JSON.parse(readFileSync(join(app, 'node_modules', '@tensorflow', 'tfjs-core', 'package.json'), 'utf8'));
  expect(core.version === tfjsVersion, `[${tag}] tfjs-core ${core.version} installed`);

  // ESM import and CJS require of every package, from the scratch project.
  // Every export subpath (e.g. @spam/structured/node) as well as the package itself.
  const entries = packages.flatMap((p) =>
    subpaths(p.pkg).map(([sub, t]) => ({
      p,
      spec: sub === '.' ? p.pkg.name : `${p.pkg.name}/${sub.slice(2)}`,
      esmFile: join(app, 'node_modules', '@spam', p.dir, t.import.default),
      cjsFile: join(app, 'node_modules', '@spam', p.dir, t.require.default),
    })),
  );
  const specs = entries.map((e) => e.spec);
  writeFileSync(
    join(app, 'imports.mjs'),
    `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const out = {};
for (const name of ${JSON.stringify(specs)}) {
  const esm = await import(name);
  const cjs = require(name);
  out[name] = { esm: Object.keys(esm).sort(), cjs: Object.keys(cjs).filter((k) => k !== '__esModule').sort(),
    esmFile: import.meta.resolve(name), cjsFile: require.resolve(name) };
}
console.log(JSON.stringify(out));
`,
  );
  const imp = run('node', ['imports.mjs'], { cwd: app });
  const seen = JSON.parse(imp.stdout);
  for (const e of entries) {
    const r = seen[e.spec];
    expect(r.esmFile === `file://${e.esmFile}`, `[${tag}] ${e.spec} ESM resolves to ${e.esmFile} (${r.esmFile})`);
    expect(r.cjsFile === e.cjsFile, `[${tag}] ${e.spec} CJS resolves to ${e.cjsFile} (${r.cjsFile})`);
    expect(JSON.stringify(r.esm) === JSON.stringify(r.cjs), `[${tag}] ${e.spec} ESM and CJS export the same names`);
    if (e.p.dir !== 'structured') expect(r.esm.length > 0, `[${tag}] ${e.spec} exports something`);
  }
  log(`[${tag}] ESM import + CJS require: ok (${specs.map((n) => `${n.slice(6)} ${seen[n].esm.length}`).join(', ')} exports)`);

  // tsc strict against the published types, then run both programs.
  const tsc = run('node', [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: app, check: false });
  if (!expect(tsc.status === 0, `[${tag}] tsc strict failed:\n${tsc.stdout}${tsc.stderr}`)) return;
  log(`[${tag}] tsc strict (module nodenext, .ts + .cts): ${secs(tsc.ms)}`);
  const dts = run('node', [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.dts.json'], { cwd: app, check: false });
  const ours = (dts.stdout + dts.stderr).split('\n').filter((l) => l.startsWith('node_modules/@spam/'));
  expect(ours.length === 0, `[${tag}] the published .d.ts/.d.cts have type errors (skipLibCheck off):\n${ours.join('\n')}`);
  log(`[${tag}] published .d.ts + .d.cts of every package type-check with skipLibCheck off: ${ours.length === 0 ? 'ok' : 'FAILED'}`);
  for (const [file, key] of [
    ['dist/app.js', 'maskKernelSparsity'],
    ['dist/app-cjs.cjs', 'cjs'],
  ]) {
    const r = run('node', [file], { cwd: app, check: false });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    let result = {};
    try {
      result = JSON.parse(last);
    } catch {
      // not JSON: the status check below reports the output
    }
    if (
      !expect(
        r.status === 0 && key in result,
        `[${tag}] node ${file} failed (exit ${r.status}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-3000)}`,
      )
    )
      continue;
    expect(!/outside the supported range/.test(r.stderr + r.stdout), `[${tag}] ${file} printed a tfjs version warning`);
    if (file === 'dist/app.js') expect(result.tfjsCore === tfjsVersion, `[${tag}] ran on tfjs-core ${result.tfjsCore}`);
    log(`[${tag}] node ${file}: ${secs(r.ms)} ${last}`);
  }
}

function missingPeer(dir, app, packages) {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'spam-nopeer', private: true, type: 'module' }));
  cpSync(join(app, 'node_modules', '@spam'), join(dir, 'node_modules', '@spam'), { recursive: true });
  expect(!existsSync(join(dir, 'node_modules', '@tensorflow')), 'no tfjs in the missing-peer project');
  const firstLine = (s) =>
    s
      .split('\n')
      .find((l) => /^\w*Error\b/.test(l))
      ?.trim() ?? s.trim().split('\n')[0];
  const esmLoaded = [];
  for (const p of packages) {
    const name = p.pkg.name;
    // ESM: Node's own resolution error names the package (a module that needs no tfjs may load).
    const esm = run('node', ['--input-type=module', '-e', `await import(${JSON.stringify(name)});`], { cwd: dir, check: false });
    if (esm.status === 0) esmLoaded.push(name);
    else
      expect(esm.stderr.includes("'@tensorflow/tfjs-core'"), `${name} ESM without tfjs names the missing peer: ${firstLine(esm.stderr)}`);
    const cjs = run('node', ['-e', `require(${JSON.stringify(name)});`], { cwd: dir, check: false });
    // CJS: the build's own message (tsup.config.ts banner), or at least Node's naming the package.
    const named =
      cjs.stderr.includes('needs its peer dependency @tensorflow/tfjs-core') ||
      cjs.stderr.includes("Cannot find module '@tensorflow/tfjs-core'");
    expect(cjs.status !== 0 && named, `${name} CJS without tfjs names the missing peer: ${firstLine(cjs.stderr)}`);
    if (p.dir === 'laplace') {
      log(`missing peer, ESM: ${firstLine(esm.stderr)}`);
      log(`missing peer, CJS: ${firstLine(cjs.stderr)}`);
    }
  }
  log(
    `missing peer: ESM and CJS errors name @tensorflow/tfjs-core for every package${esmLoaded.length ? ` (ESM ${esmLoaded.join(', ')} import no tfjs and load)` : ''}`,
  );
}

function versionWarning(dir, tarballs) {
  // @spam/core with a tfjs-core outside the peer range (npm refuses that without --legacy-peer-deps).
  mkdirSync(dir, { recursive: true });
  const deps = { '@spam/core': `file:${tarballs['@spam/core']}`, '@tensorflow/tfjs-core': UNSUPPORTED_TFJS };
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'spam-old-tfjs', private: true, type: 'module', dependencies: deps }, null, 2),
  );
  const inst = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--legacy-peer-deps'], { cwd: dir });
  const script = `const core = await import('@spam/core');
const again = core.checkTfjsVersion();
const cjs = (await import('node:module')).createRequire(import.meta.url)('@spam/core');
console.log(JSON.stringify({ again, range: core.SUPPORTED_TFJS_CORE_RANGE, cjsLoaded: typeof cjs.checkTfjsVersion === 'function' }));`;
  const r = run('node', ['--input-type=module', '-e', script], { cwd: dir, check: false });
  const warnings = r.stderr.split('\n').filter((l) => l.includes('outside the supported range'));
  // Once per process, even with both the ESM and the CJS build loaded (a global flag).
  expect(
    r.status === 0 && r.stdout.includes('"again":false'),
    `tfjs-core ${UNSUPPORTED_TFJS}: @spam/core loads and reports it unsupported (exit ${r.status}): ${r.stderr.slice(0, 500)}`,
  );
  expect(
    warnings.length === 1 && warnings[0].includes(`@tensorflow/tfjs-core ${UNSUPPORTED_TFJS}`),
    `tfjs-core ${UNSUPPORTED_TFJS}: one warning naming the version (got ${warnings.length}): ${r.stderr.slice(0, 500)}`,
  );
  log(
    `unsupported tfjs-core ${UNSUPPORTED_TFJS} (install ${secs(inst.ms)}): ${warnings.length} warning line for an ESM import, a CJS require and a repeated check: ${warnings[0] ?? '(none)'}`,
  );
}
