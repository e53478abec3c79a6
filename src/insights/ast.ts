// The Logs Insights syntax tree: a readonly discriminated union of expressions and commands, with spans.

import type { Span } from './errors.js';

export type Expr =
  | { readonly kind: 'number'; readonly value: number; readonly span: Span }
  | { readonly kind: 'string'; readonly value: string; readonly span: Span }
  | { readonly kind: 'regex'; readonly source: string; readonly span: Span }
  | { readonly kind: 'period'; readonly value: number; readonly unit: string; readonly span: Span }
  | { readonly kind: 'field'; readonly name: string; readonly span: Span }
  /** `*`, only as the argument of `count(*)`. */
  | { readonly kind: 'star'; readonly span: Span }
  | {
      readonly kind: 'call';
      readonly name: string;
      readonly nameSpan: Span;
      readonly args: readonly Expr[];
      readonly span: Span;
    }
  | { readonly kind: 'neg'; readonly operand: Expr; readonly span: Span }
  | { readonly kind: 'not'; readonly operand: Expr; readonly span: Span }
  | {
      readonly kind: 'logic';
      readonly op: 'and' | 'or';
      readonly left: Expr;
      readonly right: Expr;
      readonly span: Span;
    }
  | {
      readonly kind: 'arith';
      readonly op: '+' | '-' | '*' | '/' | '^' | '%';
      readonly left: Expr;
      readonly right: Expr;
      readonly span: Span;
    }
  | {
      readonly kind: 'compare';
      readonly op: '=' | '!=' | '<' | '<=' | '>' | '>=';
      readonly left: Expr;
      readonly right: Expr;
      readonly span: Span;
    }
  /** `like "text"`, `like /re/`, `not like ...`, `=~ /re/`. */
  | {
      readonly kind: 'like';
      readonly negated: boolean;
      readonly operand: Expr;
      readonly pattern: Expr;
      readonly span: Span;
    }
  | {
      readonly kind: 'in';
      readonly negated: boolean;
      readonly operand: Expr;
      readonly items: readonly Expr[];
      readonly span: Span;
    };

/** An expression with an optional `as` alias; `text` is its source text (the default column name). */
export interface Item {
  readonly expr: Expr;
  readonly alias?: { readonly name: string; readonly span: Span };
  readonly text: string;
  readonly span: Span;
}

export interface SortKey {
  readonly expr: Expr;
  readonly text: string;
  readonly direction: 'asc' | 'desc';
  /** False when the direction was left to the default. */
  readonly explicit: boolean;
}

export interface NameRef {
  readonly name: string;
  readonly span: Span;
}

export type Command =
  | { readonly kind: 'fields'; readonly items: readonly Item[]; readonly span: Span }
  | { readonly kind: 'display'; readonly items: readonly Item[]; readonly span: Span }
  | { readonly kind: 'filter'; readonly expr: Expr; readonly index: boolean; readonly span: Span }
  | {
      readonly kind: 'stats';
      readonly aggregates: readonly Item[];
      readonly by: readonly Item[];
      readonly span: Span;
    }
  | { readonly kind: 'sort'; readonly keys: readonly SortKey[]; readonly span: Span }
  | { readonly kind: 'limit'; readonly count: number; readonly countSpan: Span; readonly span: Span }
  | {
      readonly kind: 'parse';
      readonly source: Expr;
      readonly pattern:
        | { readonly kind: 'glob'; readonly text: string; readonly span: Span }
        | { readonly kind: 'regex'; readonly source: string; readonly span: Span };
      readonly names: readonly NameRef[];
      readonly span: Span;
    }
  | { readonly kind: 'dedup'; readonly fields: readonly NameRef[]; readonly span: Span };

export interface Query {
  readonly text: string;
  readonly commands: readonly Command[];
  /**
   * What the query reads: the flow records (no SOURCE), or the stored findings (`SOURCE findings | ...`, the one
   * SOURCE flowwatch has: its findings table as a log group of its own).
   */
  readonly source?: 'findings';
}
