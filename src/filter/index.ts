// Public API of the filter-pattern language: parse, match in memory, translate to DuckDB SQL.

export type {
  CompareOp,
  DelimitedPattern,
  JsonExpr,
  JsonPattern,
  MatchAllPattern,
  Pattern,
  RegexPattern,
  Selector,
  Slot,
  SlotCondition,
  Term,
  TermPattern,
  Value,
} from './ast.js';
export { FilterPatternError, type Span } from './errors.js';
export { type LexMode, lex, type Token, type TokenKind } from './lexer.js';
export { compileLineMatcher, type LineMatcher } from './line-matcher.js';
export { compileMatcher, type Match, type Matcher, splitFields } from './matcher.js';
export { MAX_PATTERN_LENGTH, MAX_REGEX_PER_PATTERN, parsePattern } from './parser.js';
export { patternToSql } from './to-sql.js';
