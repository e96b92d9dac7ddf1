#!/usr/bin/env node
// The `spam` command: runs the TypeScript sources through tsx (a dependency of this package).
import { register } from 'tsx/esm/api';

register();
const { cli } = await import('../src/cli.ts');
await cli(process.argv.slice(2));
