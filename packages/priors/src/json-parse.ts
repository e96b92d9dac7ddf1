import type { PriorJSON, PriorParam } from './prior.js';
import { PriorFormatError } from './errors.js';
import { isPriorStructure, PRIOR_STRUCTURES } from './registry.js';

const MAX_F32 = 3.4028234663852886e38;

function kindOf(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array of ${x.length}`;
  return typeof x;
}

function expectArray(x: unknown, field: string): unknown[] {
  if (!Array.isArray(x)) throw new PriorFormatError(field, `must be an array, got ${kindOf(x)}`);
  return x;
}

function parseParam(x: unknown, i: number): PriorParam {
  const field = `params[${i}]`;
  if (x === null || typeof x !== 'object' || Array.isArray(x))
    throw new PriorFormatError(field, `must be {name, shape, role}, got ${kindOf(x)}`);
  const r = x as Record<string, unknown>;
  if (typeof r.name !== 'string') throw new PriorFormatError(`${field}.name`, `must be a string, got ${kindOf(r.name)}`);
  const shape = expectArray(r.shape, `${field}.shape`);
  shape.forEach((d, k) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0)
      throw new PriorFormatError(`${field}.shape[${k}]`, `must be a non-negative integer, got ${String(d)}`);
  });
  if (r.role !== 'kernel' && r.role !== 'bias' && r.role !== 'scale') {
    throw new PriorFormatError(`${field}.role`, `must be 'kernel', 'bias' or 'scale', got ${String(r.role)}`);
  }
  return { name: r.name, shape: shape as number[], role: r.role };
}

function parseBlock(x: unknown, i: number): number[] {
  const field = `logPrecisions[${i}]`;
  const block = expectArray(x, field);
  for (let k = 0; k < block.length; k++) {
    const v = block[k];
    // Finite in float64 and in float32 (|v| ≤ max float32), so the tensor holds what the file says.
    if (typeof v !== 'number' || !(Math.abs(v) <= MAX_F32)) {
      throw new PriorFormatError(`${field}[${k}]`, `must be a finite number (float32), got ${typeof v === 'number' ? v : kindOf(v)}`);
    }
  }
  return block as number[];
}

/**
 * Checks the shape of a prior JSON without creating any tensor: format, version, a registered
 * structure, `params` entries `{name, shape, role}` and `logPrecisions` blocks of finite numbers.
 * Throws `PriorFormatError` naming the field.
 */
export function parsePriorJSON(json: unknown): PriorJSON {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new PriorFormatError('(root)', `must be a prior JSON object, got ${kindOf(json)}`);
  const j = json as Record<string, unknown>;
  if (j.format !== 'spam-prior')
    throw new PriorFormatError(
      'format',
      `not a SpaM prior JSON (format must be "spam-prior", got ${JSON.stringify(j.format) ?? 'undefined'})`,
    );
  if (j.version !== 1)
    throw new PriorFormatError('version', `unsupported version ${JSON.stringify(j.version) ?? 'undefined'} (this release reads version 1)`);
  if (!isPriorStructure(j.structure)) {
    throw new PriorFormatError(
      'structure',
      `unknown prior structure '${String(j.structure)}' (expected one of ${PRIOR_STRUCTURES.join(', ')})`,
    );
  }
  const params = expectArray(j.params, 'params').map(parseParam);
  const logPrecisions = expectArray(j.logPrecisions, 'logPrecisions').map(parseBlock);
  return { format: 'spam-prior', version: 1, structure: j.structure, params, logPrecisions };
}
