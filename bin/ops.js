#!/usr/bin/env node
// Entry of the `ops` command. New Relic loads first, and only when configured, so it can instrument what follows.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// package.json's engines. A linked or aliased `ops` runs on whatever `node` is first on PATH, which may be older
// than the Node 24 the repository brings (node_modules/.bin/node): say so instead of failing somewhere deep.
const NODE_MAJOR = 24;
if (Number(process.versions.node.split('.')[0]) < NODE_MAJOR) {
  const repo = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
  process.stderr.write(
    `ops: needs Node ${NODE_MAJOR} or later, this is Node ${process.version} (${process.execPath}).\n` +
      `Run it with the repository's Node: npx ops …, or ${repo}/node_modules/.bin/node ${repo}/bin/ops.js …\n`,
  );
  process.exit(78);
}

if (process.env.NEW_RELIC_LICENSE_KEY && process.env.NEW_RELIC_ENABLED !== 'false') {
  createRequire(import.meta.url)('newrelic');
}
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv);
