// Checks declarations: names, expressions (registry), order and columns (definition time), then types against the data's columns.
import { analyzerOf, ANALYZERS, type AnalyzerName } from './analyzers.js';
import { parseExpr } from './expr.js';
import { REGISTRY } from './registry.js';
import { transformKind, type TransformDeclaration } from './schema.js';
import { columnsRead, TransformError, type Expr, type ValueType } from './types.js';

export interface TransformIssue {
  path: (string | number)[];
  message: string;
}

/** One declaration, checked: its parsed expression or analyzer, and the columns it reads. */
export interface CheckedTransform {
  decl: TransformDeclaration;
  expr?: Expr;
  analyzer?: { name: AnalyzerName; column: string };
  reads: string[];
}

/** One declaration with types: its input's type (analyzers) and its result's type. */
export interface PlannedTransform extends CheckedTransform {
  input?: ValueType;
  /** An expression's own type (bool for a comparison, which becomes the number 1 or 0). */
  computed?: ValueType;
  result: ValueType;
}

/**
 * What can be checked without data: each expression parses and uses only the registry; names are unique; a declaration
 * reads raw columns and earlier derived names only (transforms run in order, so there is no cycle). Issues, by path.
 */
export function checkTransforms(decls: readonly TransformDeclaration[]): { checked: CheckedTransform[]; issues: TransformIssue[] } {
  const issues: TransformIssue[] = [];
  const checked: CheckedTransform[] = [];
  const names = decls.map((d) => d.name);
  decls.forEach((decl, i) => {
    if (names.indexOf(decl.name) !== i) issues.push({ path: [i, 'name'], message: `"${decl.name}" is declared twice` });
    const analyzer = analyzerOf(decl) ?? undefined;
    let expr: Expr | undefined;
    if (transformKind(decl) === 'expr') {
      try {
        expr = parseExpr(decl.expr as string);
      } catch (err) {
        if (!(err instanceof TransformError)) throw err;
        issues.push({ path: [i, 'expr'], message: err.message });
        return;
      }
    }
    const reads = expr ? columnsRead(expr) : [analyzer?.column as string];
    if (expr && reads.length === 0) issues.push({ path: [i, 'expr'], message: 'reads no column (a constant is not a feature)' });
    for (const name of reads) {
      const at = names.indexOf(name);
      if (at === i) issues.push({ path: [i, expr ? 'expr' : (analyzer?.name as string)], message: `reads "${name}", its own name` });
      else if (at > i) issues.push({ path: [i, expr ? 'expr' : (analyzer?.name as string)], message: `reads "${name}", which is declared later (transforms are computed in order)` });
    }
    checked.push({ decl, expr, analyzer, reads });
  });
  return { checked, issues };
}

function typeOf(e: Expr, env: ReadonlyMap<string, ValueType>): ValueType {
  if (e.t === 'num') return 'number';
  if (e.t === 'str') return 'string';
  if (e.t === 'col') {
    const type = env.get(e.name);
    if (!type) throw new TransformError(`reads "${e.name}", which is neither a column of the data nor an earlier transform`);
    return type;
  }
  const entry = REGISTRY[e.fn];
  const args = e.args.map((a) => typeOf(a, env));
  const sig = entry.signatures.find((s) => s.args.length === args.length && s.args.every((t, i) => t === args[i]));
  const label = entry.kind === 'function' ? `${e.fn}()` : `"${e.fn === 'neg' ? '-' : e.fn}"`;
  if (!sig) throw new TransformError(`${label} takes ${entry.signatures.map((s) => `(${s.args.join(', ')})`).join(' or ')}, not (${args.join(', ')})`);
  for (const i of entry.literal ?? []) {
    if (e.args[i].t !== 'num') throw new TransformError(`${label}'s argument ${i + 1} must be a number literal`);
  }
  return sig.result;
}

/** Types every declaration against the data's column types; a TransformError names the declaration and the problem. */
export function planTransforms(decls: readonly TransformDeclaration[], columns: ReadonlyMap<string, ValueType>): PlannedTransform[] {
  const { checked, issues } = checkTransforms(decls);
  if (issues.length > 0) throw new TransformError(issues.map((i) => `transforms[${i.path.join('].')}: ${i.message}`).join('; '));
  const env = new Map(columns);
  return checked.map((c, i) => {
    const where = `transforms[${i}] ("${c.decl.name}")`;
    if (columns.has(c.decl.name)) throw new TransformError(`${where}: "${c.decl.name}" is already a column of the data`);
    try {
      let input: ValueType | undefined;
      let computed: ValueType | undefined;
      let result: ValueType;
      if (c.expr) {
        computed = typeOf(c.expr, env);
        if (computed === 'date') throw new TransformError('is a date: use year(), month(), day(), dayofweek() or hour()');
        result = computed === 'bool' ? 'number' : computed;
      } else {
        const a = c.analyzer as { name: AnalyzerName; column: string };
        input = env.get(a.column);
        if (!input) throw new TransformError(`reads "${a.column}", which is neither a column of the data nor an earlier transform`);
        if (!ANALYZERS[a.name].accepts.includes(input)) throw new TransformError(`${a.name} takes a ${ANALYZERS[a.name].accepts.join(' or ')} column; "${a.column}" is a ${input}`);
        result = input === 'string' && a.name === 'impute' ? 'string' : 'number';
      }
      // One-hot columns are name_0 … name_oov, known once fitted: later transforms cannot read `name` itself.
      if (!(c.analyzer?.name === 'vocabulary' && c.decl.encode === 'onehot')) env.set(c.decl.name, result);
      return { ...c, input, computed, result };
    } catch (err) {
      if (err instanceof TransformError) throw new TransformError(`${where}: ${err.message}`);
      throw err;
    }
  });
}

/**
 * The raw columns behind a definition's features: each feature that is not derived, then each column the transforms
 * read (by its type in the data: numbers numeric, strings categorical; a date's text is left out). What requests carry.
 */
export function rawFeatures(
  decls: readonly TransformDeclaration[],
  features: { numeric: readonly string[]; categorical: readonly string[] },
  columns: ReadonlyMap<string, ValueType>,
): { numeric: string[]; categorical: string[] } {
  const derived = new Set(decls.map((d) => d.name));
  const numeric = features.numeric.filter((f) => !derived.has(f));
  const categorical = features.categorical.filter((f) => !derived.has(f));
  for (const name of checkTransforms(decls).checked.flatMap((c) => c.reads)) {
    if (derived.has(name) || numeric.includes(name) || categorical.includes(name)) continue;
    if (columns.get(name) === 'number') numeric.push(name);
    else if (columns.get(name) === 'string') categorical.push(name);
  }
  return { numeric, categorical };
}
