// priorFromJSON on malformed JSON: PriorFormatError naming the field, never a raw TypeError, no tensor left.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { SpamError, type ModelLike } from '@spam/core';
import {
  createPrior,
  PRIOR_STRUCTURES,
  priorFromJSON,
  PriorFormatError,
  PriorMismatchError,
  type PriorJSON,
  type PriorStructure,
} from '@spam/priors';
import { thrown } from '../../../test/helpers/index.js';

const L = tf.layers;
const model = tf.sequential({
  layers: [L.dense({ inputShape: [3], units: 4, name: 'f1' }), L.dense({ units: 2, name: 'f2' })],
}) as unknown as ModelLike;

function jsonOf(structure: PriorStructure): PriorJSON {
  const p = createPrior(model, structure, { precision: 0.5 });
  const j = p.toJSON();
  p.dispose();
  return j;
}

/** Calls priorFromJSON on `bad`, asserting a PriorFormatError for `field` and an unchanged tensor count. */
function formatError(bad: unknown, field: string | RegExp): PriorFormatError {
  const before = tf.memory().numTensors;
  const e = thrown(() => priorFromJSON(model, bad as PriorJSON));
  expect(tf.memory().numTensors, `tensors leaked by: ${e.message}`).toBe(before);
  expect(e, e.message).toBeInstanceOf(PriorFormatError);
  const err = e as PriorFormatError;
  if (typeof field === 'string') expect(err.field).toBe(field);
  else expect(err.field).toMatch(field);
  expect(err.message).toContain(err.field);
  return err;
}

describe('PriorFormatError', () => {
  it('is a PriorMismatchError and a SpamError with code PRIOR_FORMAT and the field path', () => {
    const e = new PriorFormatError('params[1].shape', 'must be an array');
    expect(e).toBeInstanceOf(PriorMismatchError);
    expect(e).toBeInstanceOf(SpamError);
    expect(e.name).toBe('PriorFormatError');
    expect(e.code).toBe('PRIOR_FORMAT');
    expect(e.field).toBe('params[1].shape');
    expect(e.message).toBe("prior JSON field 'params[1].shape': must be an array");
  });
});

describe('missing, null and mistyped fields', () => {
  for (const structure of PRIOR_STRUCTURES) {
    it(`${structure}: each top-level field removed or nulled → PriorFormatError naming it, no tensor leaked`, () => {
      const json = jsonOf(structure);
      for (const key of ['format', 'version', 'structure', 'params', 'logPrecisions'] as const) {
        const { [key]: _gone, ...missing } = json;
        formatError(missing, key);
        formatError({ ...json, [key]: null }, key);
      }
    });

    it(`${structure}: a null, missing or mistyped logPrecisions block → PriorFormatError 'logPrecisions[i]'`, () => {
      const json = jsonOf(structure);
      const last = json.logPrecisions.length - 1;
      const withBlock = (b: unknown) => ({ ...json, logPrecisions: json.logPrecisions.map((v, i) => (i === last ? b : v)) });
      formatError(withBlock(null), `logPrecisions[${last}]`);
      formatError(withBlock('1,2'), `logPrecisions[${last}]`);
      formatError(withBlock({ length: json.logPrecisions[last].length }), `logPrecisions[${last}]`);
      formatError(withBlock(json.logPrecisions[last].map(String)), `logPrecisions[${last}][0]`);
      formatError(withBlock([...json.logPrecisions[last].slice(1), null]), new RegExp(`^logPrecisions\\[${last}\\]\\[\\d+\\]$`));
      formatError(withBlock(json.logPrecisions[last].slice(1)), `logPrecisions[${last}]`); // too short
      formatError(withBlock([...json.logPrecisions[last], 0]), `logPrecisions[${last}]`); // too long
      formatError({ ...json, logPrecisions: json.logPrecisions.slice(0, last) }, 'logPrecisions'); // a block short
      formatError({ ...json, logPrecisions: [...json.logPrecisions, [0]] }, 'logPrecisions'); // a block extra
    });
  }

  it('params entries: null, missing name/shape/role, wrong types → PriorFormatError naming params[i].<field>', () => {
    const json = jsonOf('unitwise');
    const withParam = (p: unknown) => ({ ...json, params: json.params.map((q, i) => (i === 2 ? p : q)) });
    const p2 = json.params[2];
    formatError(withParam(null), 'params[2]');
    formatError(withParam([1, 2]), 'params[2]');
    formatError(withParam({ ...p2, name: undefined }), 'params[2].name');
    formatError(withParam({ ...p2, name: 7 }), 'params[2].name');
    formatError(withParam({ ...p2, shape: undefined }), 'params[2].shape');
    formatError(withParam({ ...p2, shape: '4,2' }), 'params[2].shape');
    formatError(withParam({ ...p2, shape: [4, -2] }), 'params[2].shape[1]');
    formatError(withParam({ ...p2, shape: [4, 2.5] }), 'params[2].shape[1]');
    formatError(withParam({ ...p2, role: 'weight' }), 'params[2].role');
    formatError({ ...json, params: 'f1/kernel' }, 'params');
  });

  it('not an object at all, wrong format, future version, unknown or prototype structure names', () => {
    for (const junk of [null, undefined, 0, 'spam-prior', [], true]) formatError(junk, '(root)');
    const json = jsonOf('scalar');
    formatError({ ...json, format: 'other' }, 'format');
    formatError({ ...json, version: 2 }, 'version');
    formatError({ ...json, version: '1' }, 'version');
    for (const structure of ['kron', 'toString', '__proto__', 'constructor', 7]) formatError({ ...json, structure }, 'structure');
  });

  it('non-finite or non-float32 values → PriorFormatError naming the entry', () => {
    const json = jsonOf('parameterwise');
    for (const v of [NaN, Infinity, -Infinity, 1e39, -1e300]) {
      formatError({ ...json, logPrecisions: json.logPrecisions.map((b, i) => (i === 1 ? [v, ...b.slice(1)] : b)) }, 'logPrecisions[1][0]');
    }
  });

  it('a JSON that is well-formed but for another model is still a plain PriorMismatchError (not a format error)', () => {
    const json = jsonOf('layerwise');
    const other = tf.sequential({ layers: [L.dense({ inputShape: [3], units: 5, name: 'f1' }), L.dense({ units: 2, name: 'f2' })] });
    const e = thrown(() => priorFromJSON(other, json));
    expect(e).toBeInstanceOf(PriorMismatchError);
    expect(e).not.toBeInstanceOf(PriorFormatError);
    expect((e as PriorMismatchError).code).toBe('PRIOR_MISMATCH');
    other.dispose();
  });
});
