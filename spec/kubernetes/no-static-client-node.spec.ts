import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { moduleReferences, sourceFiles } from '../helpers/source-scan.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('lib/ and @kubernetes/client-node', () => {
  it('no file under lib/ imports @kubernetes/client-node statically, not even its types (only the kubeConfig path requires it, lazily)', () => {
    const offenders = sourceFiles(join(root, 'lib')).flatMap((path) => moduleReferences(path)
      .filter(({ module }) => module === '@kubernetes/client-node' || module.startsWith('@kubernetes/client-node/'))
      .map(({ line }) => `${relative(root, path)}:${line}`));
    expect(offenders, 'static imports of @kubernetes/client-node (use KubeConfigLike from lib/kubernetes instead)').to.deep.equal([]);
  });

  it('the scan sees type-only imports, re-exports and import() types', () => {
    const probe = join(root, 'spec/kubernetes/support/imports-probe.ts');
    expect(moduleReferences(probe).map(({ module }) => module)).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
  });
});
