import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, checkTfjsVersion, isSupportedTfjsVersion, SUPPORTED_TFJS_CORE_RANGE } from '@spam/core';
import { resetTfjsVersionWarning } from '../src/tfjs-version.js';

beforeEach(() => resetTfjsVersionWarning());
afterEach(() => {
  resetTfjsVersionWarning();
  vi.restoreAllMocks();
});

describe('isSupportedTfjsVersion', () => {
  it('accepts 4.10 up to (not incl.) 5', () => {
    for (const v of ['4.10.0', '4.10.1', '4.22.0', '4.99.3', '4.10.0-rc.1']) expect(isSupportedTfjsVersion(v), v).toBe(true);
  });
  it('rejects older, newer and unparsable versions', () => {
    for (const v of ['4.9.1', '4.0.0', '3.21.0', '5.0.0', '10.1.0', '', 'dev', 'v4.22.0']) expect(isSupportedTfjsVersion(v), v).toBe(false);
  });
  it('the installed tfjs-core is supported', () => {
    expect(isSupportedTfjsVersion(tf.version_core)).toBe(true);
  });
});

describe('checkTfjsVersion', () => {
  it('is silent for a supported version', () => {
    const warn = vi.fn();
    expect(checkTfjsVersion('4.22.0', warn)).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });

  it('warns once for an unsupported version, naming it and the range', () => {
    const warn = vi.fn();
    expect(checkTfjsVersion('3.21.0', warn)).toBe(false);
    expect(checkTfjsVersion('3.21.0', warn)).toBe(false);
    expect(checkTfjsVersion('5.1.0', warn)).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    const msg = String(warn.mock.calls[0][0]);
    expect(msg).toContain('@tensorflow/tfjs-core 3.21.0');
    expect(msg).toContain(SUPPORTED_TFJS_CORE_RANGE);
  });

  it('defaults to console.warn and to the loaded tf.version_core', () => {
    const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(checkTfjsVersion()).toBe(true);
    expect(checkTfjsVersion('4.9.0')).toBe(false);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('buildModelAdapter does not warn on the installed tfjs', () => {
    const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
    buildModelAdapter(model);
    expect(spy).not.toHaveBeenCalled();
    model.dispose();
  });
});
