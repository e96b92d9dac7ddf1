// The package list lives in packages/*/package.json (scripts/lib/workspace.mjs reads it for
// vitest.config.ts, typedoc.config.mjs, the pack/consumer/release scripts and the README-snippet
// test). The two lists JSON cannot compute — tsconfig.json `paths` and the changesets linked
// group — must match it; so must the vitest aliases.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { publishedPackages, ROOT, sourceEntries, workspacePackages } from '../scripts/lib/workspace.mjs';
import vitestConfig from '../vitest.config';

const readJson = (file: string): unknown => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));
const published = publishedPackages();
/** specifier -> source path relative to the root, e.g. '@spam/structured/node' -> 'packages/structured/src/node.ts'. */
const entries = new Map(published.flatMap((p) => sourceEntries(p)).map(([spec, file]) => [spec, relative(ROOT, file)]));

describe('workspace package list', () => {
  it('published = the non-private packages/*, each named @spam/<dir>; the private harness is left out', () => {
    const all = workspacePackages();
    expect(published.map((p) => p.dir).sort()).toEqual(all.filter((p) => p.pkg.private !== true).map((p) => p.dir));
    for (const p of published) expect(p.pkg.name, `packages/${p.dir}`).toBe(`@spam/${p.dir}`);
    expect(all.find((p) => p.dir === 'harness')?.pkg.private).toBe(true);
    expect(published.map((p) => p.dir)).not.toContain('harness');
    expect(published.map((p) => p.dir)).toContain('core');
  });

  it('published packages come in dependency order (each after the siblings it depends on)', () => {
    const seen = new Set<string>();
    for (const p of published) {
      for (const dep of Object.keys(p.pkg.dependencies ?? {})) {
        if (dep.startsWith('@spam/')) expect(seen.has(dep), `${p.pkg.name} listed before its dependency ${dep}`).toBe(true);
      }
      seen.add(p.pkg.name);
    }
  });

  it('tsconfig.json paths list exactly the published entry points, each at its source file', () => {
    const paths = (readJson('tsconfig.json') as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths;
    expect(Object.keys(paths).sort(), 'tsconfig.json paths keys').toEqual([...entries.keys()].sort());
    for (const [spec, file] of entries) expect(paths[spec], `tsconfig.json paths["${spec}"]`).toEqual([file]);
  });

  it('.changeset/config.json links exactly the published packages, and no private one', () => {
    const config = readJson('.changeset/config.json') as { linked: string[][]; fixed: string[][]; ignore: string[] };
    const names = published.map((p) => p.pkg.name).sort();
    expect(config.linked.length).toBe(1);
    expect([...config.linked[0]].sort()).toEqual(names);
    const privateNames = workspacePackages()
      .filter((p) => p.pkg.private === true)
      .map((p) => p.pkg.name);
    for (const group of [...config.linked, ...config.fixed]) for (const n of privateNames) expect(group).not.toContain(n);
    for (const n of names) expect(config.ignore).not.toContain(n);
  });

  it('vitest aliases each published specifier, exactly, to its source', () => {
    const alias = vitestConfig.resolve?.alias as { find: RegExp; replacement: string }[];
    expect(alias.length).toBe(entries.size);
    for (const [spec, file] of entries) {
      const hits = alias.filter((a) => a.find.test(spec));
      expect(hits.length, `aliases matching ${spec}`).toBe(1);
      expect(relative(ROOT, hits[0].replacement)).toBe(file);
    }
    expect(alias.some((a) => a.find.test('@spam/harness'))).toBe(false);
  });

  it('a private package is skipped, a dependency cycle is an error naming the packages', () => {
    const root = mkdtempSync(join(tmpdir(), 'spam-workspace-'));
    const write = (dir: string, pkg: object) => {
      mkdirSync(join(root, 'packages', dir), { recursive: true });
      writeFileSync(join(root, 'packages', dir, 'package.json'), JSON.stringify(pkg));
    };
    try {
      write('b', { name: '@x/b', version: '1.0.0', dependencies: { '@x/a': '1.0.0' } });
      write('a', { name: '@x/a', version: '1.0.0' });
      write('tools', { name: '@x/tools', version: '1.0.0', private: true, dependencies: { '@x/b': '1.0.0' } });
      expect(publishedPackages(root).map((p) => p.pkg.name)).toEqual(['@x/a', '@x/b']);
      write('a', { name: '@x/a', version: '1.0.0', dependencies: { '@x/b': '1.0.0' } });
      expect(() => publishedPackages(root)).toThrow(/dependency cycle among @x\/a, @x\/b/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
