#!/usr/bin/env node
// Runs a Node CLI in this very process and, when the process exits, writes its peak resident
// set size (process.resourceUsage().maxRSS, in KiB, like `/usr/bin/time -f %M`) to a file.
// plan-bench.mjs uses it only when GNU time is missing.
//
//   node bench/maxrss-wrapper.mjs <rss-file> <cli.js> [cli arguments…]
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [rssFile, cli, ...args] = process.argv.slice(2);
if (!rssFile || !cli) {
  console.error('usage: node bench/maxrss-wrapper.mjs <rss-file> <cli.js> [arguments…]');
  process.exit(64);
}
// The CLI sees the argv it would see if run directly: [node, cli.js, …arguments].
process.argv = [process.argv[0] ?? process.execPath, resolve(cli), ...args];
process.on('exit', () => {
  writeFileSync(rssFile, `${process.resourceUsage().maxRSS}\n`);
});
await import(pathToFileURL(resolve(cli)).href);
