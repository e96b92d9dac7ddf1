/**
 * `@spam/structured`: reserved. Its API lands with its roadmap issue (see the repository README,
 * "Status"); until then the package exports nothing.
 * @packageDocumentation
 */
export {};
