#!/usr/bin/env node
// Entry of the `ops` command. New Relic loads first, and only when configured, so it can instrument what follows.
import { createRequire } from 'node:module';

if (process.env.NEW_RELIC_LICENSE_KEY && process.env.NEW_RELIC_ENABLED !== 'false') {
  createRequire(import.meta.url)('newrelic');
}
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv);
