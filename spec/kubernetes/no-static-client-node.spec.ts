import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sources(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|mts|cts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Every static mention of a module: import/export declarations (type-only too), import x = require(), and import('...') types. */
function staticImports(path: string): { module: string; line: number }[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: { module: string; line: number }[] = [];
  const note = (specifier: ts.Node | undefined, at: ts.Node) => {
    if (specifier && ts.isStringLiteralLike(specifier)) found.push({ module: specifier.text, line: file.getLineAndCharacterOfPosition(at.getStart()).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) note(node.moduleSpecifier, node);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) note(node.moduleReference.expression, node);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) note(node.argument.literal, node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('lib/ and @kubernetes/client-node', () => {
  it('no file under lib/ imports @kubernetes/client-node statically, not even its types (only the kubeConfig path requires it, lazily)', () => {
    const offenders = sources(join(root, 'lib')).flatMap((path) => staticImports(path)
      .filter(({ module }) => module === '@kubernetes/client-node' || module.startsWith('@kubernetes/client-node/'))
      .map(({ line }) => `${relative(root, path)}:${line}`));
    expect(offenders, 'static imports of @kubernetes/client-node (use KubeConfigLike from lib/kubernetes instead)').to.deep.equal([]);
  });

  it('the scan sees type-only imports, re-exports and import() types', () => {
    const probe = join(root, 'spec/kubernetes/support/imports-probe.ts');
    expect(staticImports(probe).map(({ module }) => module)).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
  });
});
