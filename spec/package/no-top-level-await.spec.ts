// CommonJS consumers load the package with require(esm), which Node refuses (ERR_REQUIRE_ASYNC_MODULE)
// for any module graph with a top-level await in it. This checks our own modules statically; the
// CommonJS consumers in consumers.spec.ts prove the whole graph (rxjs, fp-ts, io-ts too) at runtime.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import ts from 'typescript';
import { sourceFiles } from '../helpers/source-scan.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Lines (1-based) of every await outside a function: `await x`, `for await`, `await using`. */
function topLevelAwaits(fileName: string, text: string): number[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: number[] = [];
  const visit = (node: ts.Node): void => {
    // A function (declaration, expression, arrow, method, accessor, constructor) has its own await scope.
    if (ts.isFunctionLike(node)) return;
    const awaits = ts.isAwaitExpression(node)
      || (ts.isForOfStatement(node) && node.awaitModifier !== undefined)
      || (ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.BlockScoped) === ts.NodeFlags.AwaitUsing);
    if (awaits) found.push(file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('top-level await', () => {
  it('no module under lib/ awaits at its top level, so require(esm) can load the package', () => {
    const offenders = sourceFiles(join(root, 'lib')).flatMap((path) => topLevelAwaits(path, readFileSync(path, 'utf8'))
      .map((line) => `${relative(root, path)}:${line}`));
    expect(offenders, 'top-level await (CommonJS consumers could not require() the package)').to.deep.equal([]);
  });

  it('the scan sees await, for await and await using at the top level, in blocks and expressions, and not inside functions', () => {
    const source = [
      'await ready;',                                        // 1
      'const value = flag ? await a : b;',                   // 2
      'if (flag) { await b; }',                              // 3
      'for await (const item of items) {}',                  // 4
      'await using resource = open();',                      // 5
      'export default await load();',                        // 6
      'using plain = open();',                               // 7: not an await
      'async function f() { await x; for await (const i of y) {} }',
      'const g = async () => { await x; };',
      'const h = async function () { await x; };',
      'class C { async m() { await x; } static async s() { await x; } }',
      'const o = { async m() { await x; }, get p() { return (async () => await x)(); } };',
    ].join('\n');
    expect(topLevelAwaits('probe.ts', source)).to.deep.equal([1, 2, 3, 4, 5, 6]);
  });
});
