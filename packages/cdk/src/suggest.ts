// Did-you-mean: the closest known name to a misspelt one (edit distance), for error hints.

/** Levenshtein distance between two strings (insert, delete, substitute: cost 1 each). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `name` (case-insensitive), when it is close enough to be a plausible typo: at most
 * a third of the name's length in edits (and at least 1, at most 3).
 *
 * @example closest('srcadr', ['srcaddr', 'dstaddr']) // 'srcaddr'
 */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const n = name.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(n.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = distance(n, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}
