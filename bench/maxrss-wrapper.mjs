#!/usr/bin/env node
// Runs a Node CLI in this very process and, when the process exits, writes to a file what
// `/usr/bin/time -f '%M %R %U %S'` would: its peak resident set size in KiB, minor page faults,
// user and system CPU seconds (process.resourceUsage()). The benchmarks use it only when GNU
// time is missing.
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
  const u = process.resourceUsage();
  const seconds = (us) => (us / 1e6).toFixed(2);
  writeFileSync(
    rssFile,
    `${u.maxRSS} ${u.minorPageFault} ${seconds(u.userCPUTime)} ${seconds(u.systemCPUTime)}\n`,
  );
});
await import(pathToFileURL(resolve(cli)).href);
