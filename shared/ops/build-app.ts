/**
 * Builds an app for production: `<app>/src/main.ts` and the workspace code it imports
 * (`@rose-ash/shared` included) into one plain-JavaScript file, `<app>/dist/main.js`, which the
 * image runs (`node dist/main.js`). Run from the app's folder: `pnpm --filter @rose-ash/<app>
 * build` (the Dockerfile and `pnpm bench` do). The output is not committed.
 *
 * Why: Node's type stripping costs every process about 15 MB and a second of start-up; one
 * file instead of ~120 modules costs less again.
 *
 * What stays as it was: third-party packages are not bundled (but see BUNDLED). They load from
 * node_modules as before (lazily loaded ones stay lazy), through import paths rewritten relative
 * to the output, because pnpm links the shared package's dependencies beside `shared/`, not
 * beside the app. Paths our code derives from its own location (`import.meta.url`, `import.meta.dirname`:
 * templates, static files, config defaults) keep pointing at the source tree, which the image
 * keeps beside `dist/`.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

const appDir = resolve(process.argv[2] ?? process.cwd());
const outdir = join(appDir, 'dist');
const workspaceRoot = resolve(import.meta.dirname, '../..');

/**
 * Packages bundled all the same. drizzle-orm: Node's ES module loader re-reads the nearest
 * package.json for every file it loads, and drizzle-orm's (180 kB of `exports`) is parsed again
 * for each of its ~150 files: half a second of every start. Only our code imports it, so one
 * bundled copy is the only copy.
 */
const BUNDLED = new Set(['drizzle-orm']);
const packageName = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** `./x` or `../x`: a path relative to the output file, as an import specifier. */
const fromOutput = (path: string) => {
  const rel = relative(outdir, path);
  return rel.startsWith('.') ? rel : `./${rel}`;
};

/** Our modules find their templates and config from their own location: keep that location. */
const sourceLocation: Plugin = {
  name: 'source-location',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const source = readFileSync(args.path, 'utf8')
        .replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(fromOutput(args.path))}, import.meta.url).href`,
        )
        .replaceAll(
          'import.meta.dirname',
          `__sourceDir(${JSON.stringify(fromOutput(dirname(args.path)))}, import.meta.url)`,
        );
      return { contents: source, loader: 'ts' };
    });
  },
};

/** Packages stay in node_modules, imported by a path that resolves from `dist/`. */
const packagesFromNodeModules: Plugin = {
  name: 'packages-from-node-modules',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@rose-ash/') || args.path.startsWith('node:')) return undefined;
      if (BUNDLED.has(packageName(args.path))) return undefined;
      if (args.pluginData?.resolving) return undefined;
      const found = await b.resolve(args.path, {
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: { resolving: true },
      });
      // Node's own modules (`fs`), and optional packages that are not installed, stay as written.
      if (found.errors.length || !found.path.startsWith('/')) return { path: args.path, external: true };
      return { path: fromOutput(found.path), external: true };
    });
  },
};

mkdirSync(outdir, { recursive: true });
const result = await build({
  entryPoints: [join(appDir, 'src/main.ts')],
  outfile: join(outdir, 'main.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // Non-ASCII text would make V8 keep the whole source as a two-byte string.
  charset: 'ascii',
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
  plugins: [sourceLocation, packagesFromNodeModules],
  banner: {
    js: [
      "import { fileURLToPath as __fileURLToPath } from 'node:url';",
      'const __sourceDir = (dir, base) => __fileURLToPath(new URL(dir + "/", base)).replace(/\\/$/, "");',
    ].join('\n'),
  },
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
process.stdout.write(
  `${relative(workspaceRoot, join(outdir, 'main.js'))}: ${Math.round(bytes / 1024)} kB with its source map\n`,
);
