/**
 * The shared build of every `@spam/*` package (../../tsup.config.ts) with a second entry: the
 * Node-only subpath `@spam/structured/node` (src/node.ts), kept out of the browser-safe main entry.
 */
import base from '../../tsup.config';

export default { ...base, entry: ['src/index.ts', 'src/node.ts'] };
