/** Where the vendored data sets live. */
import { fileURLToPath } from 'node:url';

/**
 * `data/` next to this package's `src/`: the vendored data sets (`packages/harness/data/` in the
 * repository; the same folder inside the package's tarball when `npm run example:<name>` packs it).
 */
export const DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));
