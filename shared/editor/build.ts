/**
 * Builds the prose editor bundle: shared/editor/src → shared/static/editor/editor.js.
 * `pnpm build` runs it (CI, Docker, `pnpm dev`); the output is not committed.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, '../static/editor');
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [join(here, 'src/editor.ts')],
  outfile: join(outdir, 'editor.js'),
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: process.argv.includes('--minify') || process.env.NODE_ENV === 'production',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'linked',
});
process.stdout.write(`editor bundle written to ${outdir}\n`);
