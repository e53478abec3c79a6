// A stored snapshot's body (the describe-* documents it was loaded from) and the choice of the snapshot in
// force at a flow's time.

import { buildModel, type NetworkDocument } from './load.js';
import type { NetworkModel } from './model.js';

/** The body stored for a snapshot: its documents as JSON. */
export function snapshotBodyOf(docs: readonly NetworkDocument[]): string {
  return JSON.stringify(docs);
}

/** The model of a stored body (documents were checked when loaded, so they are trusted here). */
export function modelOfBody(body: string): NetworkModel {
  return buildModel(JSON.parse(body) as NetworkDocument[]);
}

/**
 * The snapshot in force at `time`: the latest taken at or before it; when the time predates every snapshot, the
 * earliest, with `predates` set so the caller can say so. Undefined when there are none.
 *
 * @example inForce([{ takenAt: 10 }, { takenAt: 20 }], 15) // { snapshot: { takenAt: 10 }, predates: false }
 */
export function inForce<T extends { readonly takenAt: number }>(
  sorted: readonly T[],
  time: number,
): { snapshot: T; predates: boolean } | undefined {
  if (sorted.length === 0) return undefined;
  let found: T | undefined;
  for (const s of sorted) if (s.takenAt <= time) found = s;
  return found ? { snapshot: found, predates: false } : { snapshot: sorted[0]!, predates: true };
}
