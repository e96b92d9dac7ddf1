/**
 * The report directory and report.md against hostile or mistaken input: pseudo filesystems are
 * refused quickly (Node's recursive mkdir spins forever on procfs), a file in the path is named,
 * no temporary file survives a write, an earlier report is listed before it is overwritten, and
 * the command line / paths / error text appear verbatim in report.md, never as Markdown or HTML.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeSpan, escapeText, shellQuote } from '../src/report/escape.js';
import { checkWritable, mountOf, renderMarkdown, ReportDirError, reportFilesIn, writeReport } from '../src/report/index.js';
import { syntheticReport } from './report-fixture.js';

/** Settles `p` or fails after `ms` (a hang is the bug being tested). */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);
}

/** This machine's mount table ('' off Linux): the pseudo filesystem cases run where they are mounted. */
const MOUNTS = existsSync('/proc/self/mountinfo') ? readFileSync('/proc/self/mountinfo', 'utf8') : '';

describe('report directory on a pseudo filesystem', () => {
  for (const [dir, fsType] of [
    ['/proc/spam-report-test/out', 'proc'],
    ['/sys/spam-report-test', 'sysfs'],
    ['/dev/spam-report-test', 'devtmpfs'],
  ] as const) {
    it.skipIf(mountOf(MOUNTS, dir)?.fsType !== fsType)(
      `refuses ${dir} (${fsType}) at once with a ReportDirError and creates nothing`,
      async () => {
        for (const attempt of [checkWritable(dir), writeReport(dir, syntheticReport(true))] as Promise<unknown>[]) {
          const err = await within(attempt, 5000).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(ReportDirError);
          expect((err as ReportDirError).fsType).toBe(fsType);
          expect((err as Error).message).toContain(`'${dir}'`);
          expect((err as Error).message).toContain(`${fsType} pseudo filesystem`);
        }
        expect(existsSync(dir)).toBe(false);
      },
    );
  }

  it('finds the mount holding a path: longest mount point, escaped spaces, path boundaries', () => {
    const info = [
      '22 27 0:21 / /proc rw,relatime - proc proc rw',
      '24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=1k',
      '25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw',
      '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
      '40 27 0:40 / /mnt/my\\040disk rw shared:1 - xfs /dev/vdb rw',
    ].join('\n');
    expect(mountOf(info, '/proc/1/x')).toEqual({ mountPoint: '/proc', fsType: 'proc' });
    expect(mountOf(info, '/dev/x')).toEqual({ mountPoint: '/dev', fsType: 'devtmpfs' });
    expect(mountOf(info, '/dev/shm/report')).toEqual({ mountPoint: '/dev/shm', fsType: 'tmpfs' });
    expect(mountOf(info, '/procedures/out')).toEqual({ mountPoint: '/', fsType: 'ext4' });
    expect(mountOf(info, '/mnt/my disk/out')).toEqual({ mountPoint: '/mnt/my disk', fsType: 'xfs' });
  });
});

describe('report files', () => {
  it('leaves no temporary file behind and lists an earlier report before it is overwritten', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spam-report-'));
    try {
      expect((await checkWritable(dir)).existing).toEqual([]);
      await writeReport(dir, syntheticReport(true));
      const all = (await readdir(dir, { recursive: true })).map(String);
      expect(all.filter((f) => f.endsWith('.tmp') || f.includes('write-check'))).toEqual([]);
      const existing = (await checkWritable(dir)).existing;
      expect(existing.slice(0, 2)).toEqual(['report.json', 'report.md']);
      expect(existing.filter((f) => f.startsWith('plots/') && f.endsWith('.svg')).length).toBeGreaterThan(0);
      expect(await reportFilesIn(join(dir, 'missing'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the file that stands where a parent directory should be', async () => {
    const root = await mkdtemp(join(tmpdir(), 'spam-report-'));
    try {
      await writeFile(join(root, 'f'), 'x');
      const err = await checkWritable(join(root, 'f', 'a', 'b')).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ReportDirError);
      expect((err as Error).message).toContain(`'${join(root, 'f')}' is not a directory`);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('report.md shows user text verbatim', () => {
  const hostile = 'a`b<img src=x onerror=alert(1)>|c *d* [e](f) $g$ &amp;';

  it('escapes inline text and fences code spans around backticks', () => {
    expect(escapeText('<b>*x*</b> & `y` _z_ [l](u) $m$ ~s~ \\')).toBe(
      '&lt;b&gt;\\*x\\*&lt;/b&gt; &amp; \\`y\\` \\_z\\_ \\[l\\](u) \\$m\\$ \\~s\\~ \\\\',
    );
    expect(escapeText('line\nbreak\u001b')).toBe('line\\\\nbreak\\\\x1b');
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('x ``` y')).toBe('````x ``` y````');
    expect(codeSpan('`start')).toBe('`` `start ``');
    expect(shellQuote('plain/path-1.5')).toBe('plain/path-1.5');
    expect(shellQuote("it's <here>")).toBe(`'it'\\''s <here>'`);
  });

  it('renders the command line, paths and the partial reason without raw HTML or broken code spans', () => {
    const report = syntheticReport(true);
    report.command = ['--out', hostile, '--quick'];
    report.config = { ...report.config, out: hostile, dataDir: '<script>x</script>' };
    report.partialReason = 'failed: ReportDirError: cannot write to <b>here</b>';
    const md = renderMarkdown(report);
    // Outside the command's code span (where it is literal text) no tag survives.
    expect(md.replace(/^- \*\*Command:\*\* .*$/m, '')).not.toMatch(/<img|<script|<b>/);
    expect(md).toContain(`- **Command:** \`\`spam --out '${hostile}' --quick\`\``);
    expect(md).toContain('a\\`b&lt;img src=x onerror=alert(1)&gt;\\|c \\*d\\* \\[e\\](f) \\$g\\$ &amp;amp;');
    expect(md).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(md).toContain('cannot write to &lt;b&gt;here&lt;/b&gt;');
  });
});
