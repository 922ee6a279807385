// The command line is a leaf over the public API: nothing in the library imports it, and it
// imports the library only through its public entry points, so it cannot reach past what users can.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { moduleReferences, sourceFiles } from '../helpers/source-scan.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const lib = join(root, 'lib');
const cli = join(lib, 'cli');
const target = (from: string, module: string) => resolve(dirname(from), module).replace(/\.js$/, '.ts');
const isRelative = (module: string) => module.startsWith('./') || module.startsWith('../');

describe('rx-k8s-leader\'s command line is a leaf', () => {
  const cliFiles = sourceFiles(cli);

  it('no module of lib/ outside lib/cli imports lib/cli', () => {
    const offenders = sourceFiles(lib).filter((path) => !path.startsWith(cli + '/')).flatMap((path) => moduleReferences(path)
      .filter(({ module }) => isRelative(module) && target(path, module).startsWith(cli + '/'))
      .map(({ line }) => `${relative(root, path)}:${line}`));
    expect(offenders).to.deep.equal([]);
  });

  it('lib/cli reaches the library only through lib/index.ts and lib/integrations/metrics.ts', () => {
    const reached = new Set(cliFiles.flatMap((path) => moduleReferences(path)
      .filter(({ module }) => isRelative(module) && !target(path, module).startsWith(cli + '/'))
      .map(({ module }) => relative(root, target(path, module)))));
    expect([...reached].sort()).to.deep.equal(['lib/index.ts', 'lib/integrations/metrics.ts']);
  });

  it('besides Node\'s built-ins it imports rxjs and prom-client only (@kubernetes/client-node is required lazily, for --config)', () => {
    const packages = new Set(cliFiles.flatMap((path) => moduleReferences(path).map(({ module }) => module))
      .filter((module) => !isRelative(module) && !module.startsWith('node:')));
    expect([...packages].sort()).to.deep.equal(['prom-client', 'rxjs']);
  });

  it('the entry has a #!/usr/bin/env node line, and package.json\'s bin names its build output', () => {
    expect(readFileSync(join(cli, 'main.ts'), 'utf8').split('\n')[0]).to.equal('#!/usr/bin/env node');
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    expect(manifest.bin).to.deep.equal({ 'rx-k8s-leader': './dist/cli/main.js' });
  });
});
