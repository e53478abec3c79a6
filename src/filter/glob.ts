// Wildcard values (`*` = any run of characters) matched in linear time, without building a regex.

/**
 * Compiles a value whose every `*` is a wildcard into a test of a whole text. The pieces between the stars
 * are found left to right, each at its first place after the previous one: with only `*` wildcards the
 * earliest place is always a safe choice, so there is no backtracking (`*a*a*a*a*a*b` on a long run of `a`
 * costs one scan per piece, not an exponential search).
 *
 * @example compileGlob('10.0.2.*')('10.0.2.77') // true
 * @example compileGlob('*a*a*a*a*a*b')('a'.repeat(100000)) // false, in milliseconds
 */
export function compileGlob(value: string): (text: string) => boolean {
  const pieces = value.split('*');
  if (pieces.length === 1) return (text) => text === value;
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  const middle = pieces.slice(1, -1).filter((p) => p !== '');
  const minLength = first.length + last.length;
  return (text) => {
    if (text.length < minLength || !text.startsWith(first) || !text.endsWith(last)) return false;
    let at = first.length;
    const stop = text.length - last.length;
    for (const piece of middle) {
      const found = text.indexOf(piece, at);
      if (found < 0 || found + piece.length > stop) return false;
      at = found + piece.length;
    }
    return true;
  };
}
