// Our candidate process bundled once per run from the library's current source (esbuild, as tsx
// uses): a process then starts in a fraction of the time `node --import tsx` takes, which matters
// when twenty start at once on two cores.
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const entry = fileURLToPath(new URL('./rx-candidate.ts', import.meta.url));
const directory = fileURLToPath(new URL('../../node_modules/.cache/rx-k8s-leader-chaos/', import.meta.url));

let bundled: Promise<string> | undefined;

/** The path of the bundled candidate (packages stay external: rxjs, @kubernetes/client-node, ... load from node_modules). */
export function rxCandidateBundle(): Promise<string> {
  bundled ??= (async () => {
    mkdirSync(directory, { recursive: true });
    const outfile = `${directory}rx-candidate-${process.pid}.mjs`;
    process.once('exit', () => rmSync(outfile, { force: true }));
    await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node22', packages: 'external', sourcemap: 'inline', logLevel: 'warning',
      // the library falls back to require() where it exists (a CommonJS bundle): give the ESM bundle a real one
      banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
    });
    return outfile;
  })();
  return bundled;
}
