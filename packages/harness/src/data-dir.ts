/** Where the examples' vendored data lives. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `data/` inside the packed helper (`npm run example:<name>` ships `examples/data/` in its tarball). */
const PACKED_DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));
/** `examples/data/` of the repository, relative to this file (src/ with tsx and in the tests). */
const REPO_DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));

/** The examples' data folder: the packed copy when there is one, else `examples/data/`. */
export const EXAMPLES_DATA_DIR = existsSync(PACKED_DATA_DIR) ? PACKED_DATA_DIR : REPO_DATA_DIR;
