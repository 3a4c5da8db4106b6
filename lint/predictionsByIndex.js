// Lint rule: SQL reading the `predictions` view must narrow it with an index predicate of lib/store/predictionQueries.ts, or say why it scans.
const HELPERS = new Set(['ID_RANGE', 'REQUEST_IDS', 'REQUEST_ID', 'UNIT_IDS']);
const READS_VIEW = /\b(?:FROM|JOIN)\s+predictions\b(?!_)/i;
const SCAN_NOTE = /scans predictions:\s*\S/;

/** The names a template's expressions call, e.g. `${REQUEST_IDS('p', '$1')}` → REQUEST_IDS. */
function calledNames(node) {
  return node.expressions.flatMap((e) => (e.type === 'CallExpression' && e.callee.type === 'Identifier' ? [e.callee.name] : e.type === 'Identifier' ? [e.name] : []));
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'a query of the predictions view (one row per instance, unnested from request rows) must use an index predicate' },
    schema: [],
    messages: {
      unindexed:
        "this query reads the 'predictions' view without ID_RANGE, REQUEST_IDS, REQUEST_ID or UNIT_IDS (lib/store/predictionQueries.ts), so it unnests every request row; add one, or write a comment 'scans predictions: <why>' above it",
    },
  },
  create(context) {
    const source = context.sourceCode ?? context.getSourceCode();
    return {
      TemplateLiteral(node) {
        const text = node.quasis.map((q) => q.value.raw).join(' ');
        if (!READS_VIEW.test(text)) return;
        const names = calledNames(node);
        if (names.some((n) => HELPERS.has(n))) return;
        const before = source.getCommentsBefore(node).concat(source.getAllComments().filter((c) => c.loc.end.line >= node.loc.start.line - 3 && c.loc.end.line <= node.loc.start.line));
        if (before.some((c) => SCAN_NOTE.test(c.value))) return;
        context.report({ node, messageId: 'unindexed' });
      },
    };
  },
};
