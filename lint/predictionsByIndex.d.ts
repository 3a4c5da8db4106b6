// Types of the lint rule predictionsByIndex.js (an ESLint rule module).
import type { Rule } from 'eslint';

declare const rule: Rule.RuleModule;
export default rule;
