import { readFileSync } from 'node:fs';
import ts from 'typescript';

/** Where a key sits in the config: `[]` stands for any item of a list, `<name>` for any key of a map. */
export type KeyPath = readonly string[];
export const ITEM = '[]';
export const MAP_KEY = '<name>';

/**
 * The JSDoc comment of every key of a zod schema, read from its source: `/** … *\/` above a property of a
 * `z.object({ … })`, followed through method chains (`.default()`, `.prefault()`, …) and through schemas
 * declared as top-level constants of the given files. The comments stay in the source, where they are
 * written for the code's readers, and the reference quotes them.
 */
export function docComments(files: readonly string[], rootSchema: string): Map<string, string> {
  const declarations = new Map<string, ts.Expression>();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const d of statement.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.initializer) declarations.set(d.name.text, d.initializer);
      }
    }
  }
  const root = declarations.get(rootSchema);
  if (!root) throw new Error(`${rootSchema} is not declared in ${files.join(', ')}`);
  const comments = new Map<string, string>();
  collect(root, [], declarations, comments);
  return comments;
}

export function pathKey(path: KeyPath): string {
  return path.join('.');
}

function collect(expr: ts.Expression, path: KeyPath, declarations: Map<string, ts.Expression>, out: Map<string, string>): void {
  const node = chainBase(expr);
  if (ts.isIdentifier(node)) {
    const declared = declarations.get(node.text);
    if (declared) collect(declared, path, declarations, out);
    // A schema named like one but declared elsewhere would silently lose its comments.
    else if (node.text.endsWith('Schema')) throw new Error(`${node.text} (at ${pathKey(path) || 'the root'}) is declared in none of the files read for doc comments; add its file`);
    return;
  }
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return;
  const [first, second] = node.arguments;
  switch (node.expression.name.text) {
    case 'object':
      if (first && ts.isObjectLiteralExpression(first)) collectProperties(first, path, declarations, out);
      return;
    case 'array':
      if (first) collect(first, [...path, ITEM], declarations, out);
      return;
    case 'record':
      if (second) collect(second, [...path, MAP_KEY], declarations, out);
      return;
    case 'preprocess':
      if (second) collect(second, path, declarations, out);
      return;
  }
}

function collectProperties(literal: ts.ObjectLiteralExpression, path: KeyPath, declarations: Map<string, ts.Expression>, out: Map<string, string>): void {
  for (const property of literal.properties) {
    if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.name)) continue;
    const keyPath = [...path, property.name.text];
    const comment = jsDocText(property);
    if (comment) out.set(pathKey(keyPath), comment);
    collect(property.initializer, keyPath, declarations, out);
  }
}

/** `z.object({…}).default({}).refine(…)` → `z.object({…})`: the call that says what the schema is. */
function chainBase(expr: ts.Expression): ts.Expression {
  let node = expr;
  while (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && !isZ(node.expression.expression)) {
    node = node.expression.expression;
  }
  return node;
}

function isZ(node: ts.Expression): boolean {
  return ts.isIdentifier(node) && node.text === 'z';
}

function jsDocText(node: ts.Node): string | undefined {
  const text = ts
    .getJSDocCommentsAndTags(node)
    .filter(ts.isJSDoc)
    .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
    .join(' ');
  return text.replace(/\s+/g, ' ').trim() || undefined;
}
