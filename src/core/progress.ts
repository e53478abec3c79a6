// Lexer progress guard: a lexer step that consumed no input is a flowwatch bug; fail loudly instead of hanging.

/**
 * A lexer loop went round without consuming input. Not a UserError: it is a flowwatch bug, reported as an
 * internal error (the CLI's and the server's catch-all), never a hang.
 */
export class LexerStuckError extends Error {
  readonly lexer: string;
  readonly position: number;
  constructor(lexer: string, position: number) {
    super(
      `internal error: the ${lexer} made no progress at position ${position}; please report this with the input`,
    );
    this.name = 'LexerStuckError';
    this.lexer = lexer;
    this.position = position;
  }
}

/**
 * A check for the top of a lexer loop: each call must see a position beyond the previous call's, or it
 * throws LexerStuckError. One guard per lexing run.
 *
 * @example
 * const step = progressGuard('filter-pattern lexer');
 * while (i < text.length) { step(i); ... }
 */
export function progressGuard(lexer: string): (position: number) => void {
  let last = -1;
  return (position) => {
    if (position <= last) throw new LexerStuckError(lexer, position);
    last = position;
  };
}
