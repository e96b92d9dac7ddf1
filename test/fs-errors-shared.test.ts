// The Node file handlers of @spam/laplace/node and @spam/structured/node share their path checks
// and error classes (@spam/core/node): one PathEscapeError / TargetDirError class, whichever
// package raised it, and a SpamError.
import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpamError } from '@spam/core';
import * as core from '@spam/core/node';
import * as laplace from '@spam/laplace/node';
import * as structured from '@spam/structured/node';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('@spam/core/node: one error class per idea across the file handlers', () => {
  it('PathEscapeError thrown by either package is the same class, a SpamError, from @spam/core/node', () => {
    const dir = join(tmpdir(), 'spam-fs-errors-shared-never-created');
    const fromLaplace = thrown(() => laplace.fileSystem(dir, { name: '../outside' }));
    const fromStructured = thrown(() => structured.fileSystem(dir, { modelFile: '../outside.json' }));
    expect(fromLaplace).toBeInstanceOf(core.PathEscapeError);
    expect(fromStructured).toBeInstanceOf(core.PathEscapeError);
    expect((fromLaplace as Error).constructor).toBe((fromStructured as Error).constructor);
    expect(fromLaplace).toBeInstanceOf(SpamError);
    expect((fromStructured as core.PathEscapeError).code).toBe('PATH_ESCAPE');
  });

  it('the packages re-export the shared classes (existing imports keep working)', () => {
    expect(laplace.PathEscapeError).toBe(core.PathEscapeError);
    expect(structured.PathEscapeError).toBe(core.PathEscapeError);
    expect(laplace.TargetDirError).toBe(core.TargetDirError);
    expect(structured.TargetDirError).toBe(core.TargetDirError);
  });
});
