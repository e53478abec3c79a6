// Did-you-mean: edit distance and the closest known name to a misspelt one, for error hints.

/**
 * Levenshtein distance between two strings.
 *
 * @example editDistance('perod', 'period') // 1
 */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `word` (case-insensitive), when it is close enough to be a likely typo.
 *
 * @example closest('treatMissingdata', ['treatMissingData', 'threshold']) // 'treatMissingData'
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined;
}

/**
 * The candidates that contain `word` (case-insensitive), at most `max`, for a shorthand no typo distance reaches
 * (`port-scan` for `vertical-port-scan`).
 *
 * @example containing('port-scan', ['vertical-port-scan', 'beacon']) // ['vertical-port-scan']
 */
export function containing(word: string, candidates: Iterable<string>, max = 5): string[] {
  const w = word.toLowerCase();
  if (w.length < 3) return [];
  return [...candidates].filter((c) => c.toLowerCase().includes(w)).slice(0, max);
}

/**
 * A hint for an unknown name: the closest one when it is a likely typo, else the names that contain it, else
 * `fallback`.
 *
 * @example unknownNameHint('port-scan', ['vertical-port-scan', 'vertical-port-scan-slow'], 'see them with: ...')
 * // 'did you mean "vertical-port-scan" or "vertical-port-scan-slow"?'
 */
export function unknownNameHint(word: string, candidates: readonly string[], fallback: string): string {
  const near = closest(word, candidates);
  if (near !== undefined) return `did you mean "${near}"?`;
  const having = containing(word, candidates);
  if (having.length > 0) return `did you mean ${having.map((c) => `"${c}"`).join(' or ')}?`;
  return fallback;
}
