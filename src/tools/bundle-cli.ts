/**
 * The last step of `npm run build`: `dist/cli/main.js`, as `tsc` wrote it, becomes one bundled
 * file (esbuild), so that a command loads one module instead of several hundred (Kysely and
 * TypeBox alone are hundreds of files): a restart of `apply` after a crash starts ~0.2 s sooner.
 * The rest of dist/ stays as `tsc` wrote it: the validation worker (`cli/validate-worker.js`)
 * and the library modules are loaded from there. Native and optional drivers stay outside
 * (better-sqlite3, pg, ssh2). The precompiled validators are copied beside the bundle, where it
 * looks for them (campaign/validators.ts resolves them from its own URL).
 *
 * The bundle is written without comments and indentation (names are kept, and a source map is
 * written beside it for `node --enable-source-maps`): 2.2 MB of text with a few non-ASCII
 * characters in comments made V8 decode and scan it as two-byte text; 1.4 MB of ASCII costs
 * `escalator --version` ~60 ms less CPU (296 vs 239 ms, mean of 10 runs each).
 */
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const EXTERNAL = ['better-sqlite3', 'pg', 'pg-native', 'ssh2', 'cpu-features'];

export async function bundleCli(dist: string): Promise<void> {
  const entry = `${dist}/cli/main.js`;
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    write: false,
    outfile: entry,
    logLevel: 'warning',
    minifyWhitespace: true,
    legalComments: 'none',
    charset: 'ascii',
    sourcemap: 'linked',
    // CommonJS packages in an ES module bundle still call `require`.
    banner: {
      js: "import { createRequire as escalatorRequire } from 'node:module'; const require = escalatorRequire(import.meta.url);",
    },
  });
  const file = out.outputFiles.find((f) => f.path === entry);
  if (file === undefined) throw new Error('esbuild wrote no bundle');
  for (const f of out.outputFiles) writeFileSync(f.path, f.contents);
  chmodSync(entry, 0o755);
  copyFileSync(`${dist}/campaign/validators.cjs`, `${dist}/cli/validators.cjs`);
}

const script = process.argv[1];
if (script !== undefined && import.meta.url === pathToFileURL(script).href)
  await bundleCli(fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, ''));
