/** Seeded pseudo-random numbers for reproducible splits and sampling in the examples: SpaM's own PRNG. */
export { mulberry32 } from '@spam/core';
