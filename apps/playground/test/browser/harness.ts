/**
 * What the browser tests and the bench script share: build the app into a folder (Vite, programmatic),
 * serve it on 127.0.0.1 (optionally with the COOP/COEP headers of a cross-origin isolated page) and
 * find Debian's Chromium for playwright-core.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/playground. */
export const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** Writes public/data (scripts/build-data.mjs) and runs `vite build` into `outDir`. */
export async function buildApp(outDir: string): Promise<void> {
  execFileSync(process.execPath, ['--import', 'tsx', join(APP_DIR, 'scripts', 'build-data.mjs')], { cwd: APP_DIR, stdio: 'pipe' });
  const { build } = await import('vite');
  await build({ configFile: join(APP_DIR, 'vite.config.mjs'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** A static server of `dir` on 127.0.0.1 (a free port); `isolated` adds COOP/COEP (and CORP) to every response. */
export async function serveDir(dir: string, isolated: boolean): Promise<{ url: string; close: () => Promise<void> }> {
  const root = resolve(dir);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root + sep) && file !== root) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    const headers: Record<string, string> = {
      'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
    };
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    res.writeHead(200, headers).end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** Debian's Chromium (or $CHROMIUM_PATH), or null when it is not installed. */
export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p)) ?? null;
}
