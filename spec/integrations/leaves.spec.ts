// The integrations are leaves: each imports the core from this package's own modules, no core module
// imports an integration, and each framework (an optional peer) is imported by its integration alone,
// so the core loads and works without any of them.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { moduleReferences, sourceFiles } from '../helpers/source-scan.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const lib = join(root, 'lib');
const integrations = join(lib, 'integrations');

/** A relative specifier's target as a path under lib/ (".js" as written for NodeNext, ".ts" on disk). */
const target = (from: string, module: string) => resolve(dirname(from), module).replace(/\.js$/, '.ts');
const isRelative = (module: string) => module.startsWith('./') || module.startsWith('../');
const packageOf = (module: string) => (module.startsWith('@') ? module.split('/').slice(0, 2).join('/') : module.split('/')[0]!);
const at = (path: string, line: number) => `${relative(root, path)}:${line}`;

/** The optional peers of each integration, and the files allowed to import them. */
const frameworks: Record<string, (path: string) => boolean> = {
  'prom-client': (path) => path === join(integrations, 'metrics.ts'),
  '@nestjs/common': (path) => path.startsWith(join(integrations, 'nestjs') + '/'),
  '@nestjs/core': (path) => path.startsWith(join(integrations, 'nestjs') + '/'),
  '@nestjs/terminus': () => false, // the health indicator has terminus's shape without importing it
  '@nestjs/schedule': () => false, // @LeaderOnly() works with any scheduler; it does not import one
  '@angular/core': (path) => path === join(integrations, 'angular.ts'),
};

describe('the integrations are leaves', () => {
  const cli = join(lib, 'cli');
  const leaves = [integrations, cli];
  const coreFiles = sourceFiles(lib).filter((path) => !leaves.some((leaf) => path.startsWith(leaf + '/')));
  const integrationFiles = sourceFiles(integrations);

  it('no module of the core imports anything under lib/integrations or lib/cli', () => {
    const offenders = coreFiles.flatMap((path) => moduleReferences(path)
      .filter(({ module }) => isRelative(module) && leaves.some((leaf) => target(path, module).startsWith(leaf + '/')))
      .map(({ line }) => at(path, line)));
    expect(offenders).to.deep.equal([]);
    expect(coreFiles.length, 'the scan saw the core').to.be.above(30);
  });

  it('the integrations import the core by relative path, never by the package\'s own name (which would resolve to dist/)', () => {
    const offenders = integrationFiles.flatMap((path) => moduleReferences(path)
      .filter(({ module }) => module === 'rx-k8s-leader' || module.startsWith('rx-k8s-leader/'))
      .map(({ line, module }) => `${at(path, line)} ${module}`));
    expect(offenders).to.deep.equal([]);
    const reachesCore = integrationFiles.some((path) => moduleReferences(path).some(({ module }) => isRelative(module) && target(path, module) === join(lib, 'index.ts')));
    expect(reachesCore, 'the integrations use the core').to.equal(true);
  });

  it('each framework is imported only by its own integration; the core imports no framework at all', () => {
    const offenders = [...coreFiles, ...integrationFiles].flatMap((path) => moduleReferences(path)
      .filter(({ module }) => !isRelative(module) && packageOf(module) in frameworks && !frameworks[packageOf(module)]!(path))
      .map(({ line, module }) => `${at(path, line)} ${module}`));
    expect(offenders).to.deep.equal([]);
    const packages = new Set(integrationFiles.flatMap((path) => moduleReferences(path).map(({ module }) => module).filter((module) => !isRelative(module)).map(packageOf)));
    expect([...packages].sort(), 'what the integrations import besides the core').to.deep.equal(['@angular/core', '@nestjs/common', '@nestjs/core', 'prom-client', 'rxjs']);
  });

  it('one integration does not import another (the shared host module aside, which imports no framework)', () => {
    const entries = { metrics: join(integrations, 'metrics.ts'), nestjs: join(integrations, 'nestjs') + '/', angular: join(integrations, 'angular.ts') };
    const owner = (path: string) => Object.entries(entries).find(([, prefix]) => path === prefix || path.startsWith(prefix))?.[0];
    const offenders = integrationFiles.flatMap((path) => moduleReferences(path)
      .filter(({ module }) => isRelative(module))
      .filter(({ module }) => {
        const to = owner(target(path, module));
        return to !== undefined && to !== owner(path);
      })
      .map(({ line, module }) => `${at(path, line)} ${module}`));
    expect(offenders).to.deep.equal([]);
    expect(moduleReferences(join(integrations, 'hosted-election.ts')).map(({ module }) => module).filter((module) => !isRelative(module))).to.deep.equal(['rxjs']);
  });

  it('package.json: every framework an integration imports is an optional peer dependency, and each integration is its own subpath export with types', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }>; exports: Record<string, { types?: string; default?: string }>;
    };
    for (const framework of ['prom-client', '@nestjs/common', '@nestjs/core', '@nestjs/terminus', '@angular/core']) {
      expect(manifest.peerDependencies, framework).to.have.property(framework);
      expect(manifest.peerDependenciesMeta[framework], framework).to.deep.equal({ optional: true });
    }
    for (const [subpath, source] of [['./metrics', 'integrations/metrics'], ['./nestjs', 'integrations/nestjs/index'], ['./angular', 'integrations/angular']]) {
      expect(manifest.exports[subpath!], subpath).to.deep.equal({ types: `./dist/${source}.d.ts`, default: `./dist/${source}.js` });
    }
  });
});
