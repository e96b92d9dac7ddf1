import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCli, runSpam, type RunConfig } from '../src/main.js';
import { USAGE } from '../src/cli.js';

const backend = (process.env.SPAM_TEST_BACKEND ?? 'wasm') as 'wasm' | 'cpu';

describe('spam --finetune-epochs (structured removal by the paper protocol)', () => {
  it('defaults per preset, takes 0 (one-shot) and positive integers, refuses the rest naming the flag', () => {
    expect((parseCli([]) as RunConfig).finetuneEpochs).toBe(2);
    expect((parseCli(['--quick']) as RunConfig).finetuneEpochs).toBe(1);
    expect((parseCli(['--preset', 'paper']) as RunConfig).finetuneEpochs).toBe(10);
    expect((parseCli(['--finetune-epochs', '0']) as RunConfig).finetuneEpochs).toBe(0);
    expect((parseCli(['--quick', '--finetune-epochs', '5']) as RunConfig).finetuneEpochs).toBe(5);
    for (const bad of ['-1', '1.5', 'x', ''])
      expect(() => parseCli(['--finetune-epochs', bad])).toThrow(/--finetune-epochs must be a non-negative integer/);
    expect(USAGE).toMatch(/--finetune-epochs N/);
    expect(USAGE).toMatch(/0 = one-shot/);
  });

  it('fine-tunes every smaller model and says so in report.json and report.md; 0 stays one-shot; no leaked tensors', async () => {
    const run = async (epochs: string) => {
      const out = mkdtempSync(join(tmpdir(), 'spam-ft-'));
      const cfg = parseCli([
        '--dataset',
        'breast-cancer',
        '--trainings',
        'map',
        '--epochs',
        '2',
        '--criteria',
        'magnitude',
        '--sparsities',
        '0.5',
        '--unit-fractions',
        '0.5,0.9',
        '--unit-criteria',
        'opd,random',
        '--finetune-epochs',
        epochs,
        '--out',
        out,
        '--backend',
        backend,
      ]) as RunConfig;
      const before = tf.memory().numTensors;
      const { tensorsLeaked } = await runSpam(cfg, { log: () => undefined, progress: false });
      expect(tensorsLeaked).toBe(0);
      expect(tf.memory().numTensors).toBe(before);
      const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { structured: Array<Record<string, number>> };
      return { rows: json.structured, md: readFileSync(join(out, 'report.md'), 'utf8') };
    };
    const ft = await run('3');
    const oneShot = await run('0');
    expect(ft.rows).toHaveLength(4);
    for (const r of ft.rows) {
      expect(r.fineTuneEpochs).toBe(3);
      for (const k of ['accuracy', 'nll', 'ece', 'brier', 'oneShotAccuracy', 'oneShotNll', 'bytes'])
        expect(Number.isFinite(r[k])).toBe(true);
      expect(r.macsAfter).toBeLessThan(r.macsBefore);
    }
    expect(ft.md).toMatch(/fine-tuned for 3 epoch\(s\) after removal/);
    expect(ft.md).toMatch(/\| ECE \| one-shot accuracy \|/);
    for (const r of oneShot.rows) {
      expect(r.fineTuneEpochs).toBe(0);
      expect(r.accuracy).toBe(r.oneShotAccuracy); // nothing trained after removal
    }
    expect(oneShot.md).toMatch(/One-shot: the smaller model is measured right after removal/);
    // Same trained net and removal, so the one-shot metrics agree; fine-tuning changes the final NLL.
    ft.rows.forEach((r, i) => {
      expect(r.oneShotNll).toBeCloseTo(oneShot.rows[i].oneShotNll, 6);
      expect(r.nll).not.toBeCloseTo(oneShot.rows[i].nll, 6);
    });
  }, 300_000);
});
