/** Where the examples' vendored data lives. */
import { fileURLToPath } from 'node:url';

/** `examples/data/`, located relative to this file (works from src/ with tsx and from tests). */
export const EXAMPLES_DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));
