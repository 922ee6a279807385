import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** Every TypeScript or JavaScript source below `directory` (declaration files left out). */
export function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** A TypeScript syntax tree of the file, for scans. */
export function parse(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
}

/**
 * Every mention of a module in the file: import/export declarations (type-only too), `import x =
 * require()`, `import('...')` types and calls, with their 1-based lines.
 */
export function moduleReferences(path: string): { module: string; line: number }[] {
  const file = parse(path);
  const found: { module: string; line: number }[] = [];
  const note = (specifier: ts.Node | undefined, at: ts.Node) => {
    if (specifier && ts.isStringLiteralLike(specifier)) found.push({ module: specifier.text, line: file.getLineAndCharacterOfPosition(at.getStart()).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) note(node.moduleSpecifier, node);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) note(node.moduleReference.expression, node);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) note(node.argument.literal, node);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) note(node.arguments[0], node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}
