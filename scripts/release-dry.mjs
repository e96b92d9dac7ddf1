#!/usr/bin/env node
// Release dry run: what `changeset version` + publish would do, without doing it.
//
//   npm run release:dry
//
// 1. `changeset status --verbose`: the pending changesets and the bump of every package.
// 2. `changeset version` in a throw-away copy (OS temp folder) of the root manifest, the
//    .changeset/ folder and every workspace's package.json + CHANGELOG.md; then prints each
//    @spam/* package's version before → after, its new dependency versions and the new CHANGELOG
//    section, and the tarball `npm publish` would upload (`npm pack --dry-run`: name, files, size).
// 3. Checks the working tree is exactly as before (`git status --porcelain`, read only).
// Nothing is published, committed or written inside the repository.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishedPackages, ROOT, run } from './lib/pack.mjs';

const changesetBin = join(ROOT, 'node_modules', '@changesets', 'cli', 'bin.js');
const gitStatus = () => run('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ROOT, env: process.env }).stdout;
const before = gitStatus();

console.log('== changeset status --verbose');
const status = run('node', [changesetBin, 'status', '--verbose'], { cwd: ROOT, env: process.env, check: false });
process.stdout.write(status.stdout + status.stderr);

const config = JSON.parse(readFileSync(join(ROOT, '.changeset', 'config.json'), 'utf8'));
const names = publishedPackages().map((p) => p.pkg.name);
const linked = (config.linked ?? []).find((group) => names.every((n) => group.includes(n)));
console.log(
  `\n== config: ${linked ? `linked versions for ${linked.join(', ')}` : 'WARNING: the five packages are not in one linked group'}; access ${config.access}; base branch ${config.baseBranch}`,
);

const tmp = mkdtempSync(join(tmpdir(), 'spam-release-dry-'));
let code = 0;
try {
  // The copy: root manifest + lock, .changeset/, every workspace's manifest and changelog.
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(ROOT, f), join(tmp, f));
  cpSync(join(ROOT, '.changeset'), join(tmp, '.changeset'), { recursive: true });
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const workspaces = root.workspaces.flatMap((w) =>
    w.endsWith('/*') ? readdirSync(join(ROOT, w.slice(0, -2))).map((d) => `${w.slice(0, -2)}/${d}`) : [w],
  );
  for (const ws of workspaces) {
    if (!existsSync(join(ROOT, ws, 'package.json'))) continue;
    for (const f of ['package.json', 'CHANGELOG.md']) if (existsSync(join(ROOT, ws, f))) cpSync(join(ROOT, ws, f), join(tmp, ws, f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(tmp, 'node_modules'), 'dir'); // the changelog generator

  console.log('\n== changeset version (in a temporary copy)');
  const v = run('node', [changesetBin, 'version'], { cwd: tmp, env: { ...process.env, CI: 'true' }, check: false });
  process.stdout.write(v.stdout + v.stderr);
  if (v.status !== 0) throw new Error(`changeset version exited ${v.status}`);

  for (const p of publishedPackages()) {
    const after = JSON.parse(readFileSync(join(tmp, 'packages', p.dir, 'package.json'), 'utf8'));
    const deps =
      Object.entries(after.dependencies ?? {})
        .map(([n, s]) => `${n}@${s}`)
        .join(', ') || 'none';
    console.log(
      `\n== ${p.pkg.name}: ${p.pkg.version} -> ${after.version}${after.version === p.pkg.version ? ' (unchanged)' : ''}; dependencies: ${deps}`,
    );
    const changelog = join(tmp, 'packages', p.dir, 'CHANGELOG.md');
    if (existsSync(changelog)) {
      const text = readFileSync(changelog, 'utf8');
      const sections = text.split(/^(?=## )/m);
      console.log((sections[1] ?? text).trimEnd());
    } else {
      console.log('(no CHANGELOG entry)');
    }
    const pack = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: p.path, check: false });
    try {
      const info = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')))[0];
      console.log(
        `   would publish ${info.filename.replace(p.pkg.version, after.version)}: ${info.entryCount} files, ${(info.size / 1024).toFixed(1)} kB packed${existsSync(join(p.path, 'dist')) ? '' : ' (dist/ missing: run npm run build first)'}`,
      );
    } catch {
      console.log(`   npm pack --dry-run failed: ${pack.stderr.slice(0, 300)}`);
    }
  }
} catch (e) {
  console.error(`release:dry failed: ${e instanceof Error ? e.message : e}`);
  code = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const after = gitStatus();
if (after !== before) {
  console.error('release:dry changed the working tree (git status differs) — this is a bug');
  code = 1;
} else {
  console.log('\nrelease:dry: working tree untouched; nothing published.');
}
process.exit(code);
