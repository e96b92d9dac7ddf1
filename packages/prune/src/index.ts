/**
 * `@spam/prune`: reserved. Its API lands with its roadmap issue (see the repository README,
 * "Status"); until then the package exports nothing.
 * @packageDocumentation
 */
export {};
