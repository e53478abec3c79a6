// A random cut tree (Guha et al., ICML 2016): insert and delete keep it distributed as a tree built from scratch
// on its point set; the score walk gives AWS's anomaly score (an approximation of collusive displacement) and its
// split per dimension (attribution).

import type { Random } from '../../simulate/random.js';

/** A leaf: one distinct point and how many times the sample holds it. */
export interface Leaf {
  readonly leaf: true;
  readonly point: Float64Array;
  mass: number;
  parent: Internal | undefined;
}

/** An internal node: a cut `x[dim] <= value` (left) / `> value` (right) and the bounding box of its points. */
export interface Internal {
  readonly leaf: false;
  readonly dim: number;
  readonly value: number;
  left: Node;
  right: Node;
  readonly min: Float64Array;
  readonly max: Float64Array;
  mass: number;
  parent: Internal | undefined;
}

export type Node = Leaf | Internal;

/**
 * Every node is made here with the same fields in the same order (a leaf's box is its point, its cut unused), so
 * the engine sees one object shape on every walk.
 */
function makeNode(
  leaf: boolean,
  dim: number,
  value: number,
  left: Node | undefined,
  right: Node | undefined,
  min: Float64Array,
  max: Float64Array,
  mass: number,
  parent: Internal | undefined,
): Node {
  return { leaf, dim, value, left, right, min, max, point: min, mass, parent } as unknown as Node;
}

const newLeaf = (point: Float64Array): Leaf =>
  makeNode(true, -1, 0, undefined, undefined, point, point, 1, undefined) as Leaf;

const boxMin = (n: Node): Float64Array => (n as Internal).min;
const boxMax = (n: Node): Float64Array => (n as Internal).max;

function samePoint(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A score and its split per dimension: `high[i]` when the point lies above the boxes, `low[i]` below. */
export interface Attribution {
  score: number;
  readonly high: Float64Array;
  readonly low: Float64Array;
}

/**
 * One random cut tree over points of `dim` dimensions.
 *
 * @example const t = new RandomCutTree(2, new Random(1)); t.insert(Float64Array.of(0, 0)); t.mass // 1
 */
export class RandomCutTree {
  root: Node | undefined;
  /** Boxes of deleted nodes, reused by the next inserts (a forest deletes one point for each it inserts). */
  private readonly spare: Float64Array[] = [];

  constructor(
    readonly dim: number,
    private readonly rng: Random,
  ) {}

  /** Points held, duplicates counted. */
  get mass(): number {
    return this.root?.mass ?? 0;
  }

  /**
   * Inserts a point (a tree drawn from RCF(S) becomes one drawn from RCF(S ∪ {p})): from the root, a random cut of
   * the node's box extended by p (dimension in proportion to the extended ranges, value uniform); if it separates
   * p from the box, a new node with that cut gets p's leaf and the subtree; else p follows the node's own cut.
   * A point equal to a leaf's raises that leaf's mass.
   */
  insert(point: Float64Array): void {
    if (point.length !== this.dim)
      throw new Error(`point has ${point.length} dimensions, the tree ${this.dim}`);
    if (this.root === undefined) {
      this.root = newLeaf(point);
      return;
    }
    let node: Node = this.root;
    for (;;) {
      const lo = boxMin(node);
      const hi = boxMax(node);
      let total = 0;
      for (let i = 0; i < this.dim; i++) total += Math.max(hi[i]!, point[i]!) - Math.min(lo[i]!, point[i]!);
      if (total === 0) {
        // p lies in a box of no extent: the box is a single point equal to p, so node is its leaf.
        for (let n: Node | undefined = node; n !== undefined; n = n.parent) n.mass++;
        return;
      }
      let r = this.rng.next() * total;
      let cutDim = -1;
      let cutValue = 0;
      for (let i = 0; i < this.dim; i++) {
        const a = Math.min(lo[i]!, point[i]!);
        const b = Math.max(hi[i]!, point[i]!);
        if (b === a) continue;
        cutDim = i;
        cutValue = a + r;
        // The cut lies in [a, b); rounding past b (r at the very end of the last range) falls back to a.
        if (r < b - a) {
          if (cutValue >= b) cutValue = a;
          break;
        }
        cutValue = a;
        r -= b - a;
      }
      const p = point[cutDim]!;
      const separatesLeft = p <= cutValue && cutValue < lo[cutDim]!;
      const separatesRight = hi[cutDim]! <= cutValue && cutValue < p;
      if (separatesLeft || separatesRight) {
        const leaf = newLeaf(point);
        const min = this.spare.pop() ?? new Float64Array(this.dim);
        const max = this.spare.pop() ?? new Float64Array(this.dim);
        for (let i = 0; i < this.dim; i++) {
          min[i] = Math.min(lo[i]!, point[i]!);
          max[i] = Math.max(hi[i]!, point[i]!);
        }
        const parent: Internal | undefined = node.parent;
        const inner = makeNode(
          false,
          cutDim,
          cutValue,
          separatesLeft ? leaf : node,
          separatesLeft ? node : leaf,
          min,
          max,
          node.mass + 1,
          parent,
        ) as Internal;
        leaf.parent = inner;
        node.parent = inner;
        if (parent === undefined) this.root = inner;
        else if (parent.left === node) parent.left = inner;
        else parent.right = inner;
        for (let n = parent; n !== undefined; n = n.parent) n.mass++;
        return;
      }
      // Not separated: the node's box grows to hold p (its mass is raised once p's place is found).
      const inner = node as Internal;
      for (let i = 0; i < this.dim; i++) {
        if (point[i]! < inner.min[i]!) inner.min[i] = point[i]!;
        if (point[i]! > inner.max[i]!) inner.max[i] = point[i]!;
      }
      node = point[inner.dim]! <= inner.value ? inner.left : inner.right;
    }
  }

  /** The leaf holding `point`, or undefined. */
  find(point: Float64Array): Leaf | undefined {
    let node = this.root;
    while (node !== undefined && !node.leaf) node = point[node.dim]! <= node.value ? node.left : node.right;
    return node !== undefined && samePoint(node.point, point) ? node : undefined;
  }

  /**
   * Deletes one copy of a point (RCF(S) becomes RCF(S \ {p})): a leaf of mass 1 goes with its parent, the sibling
   * taking the parent's place; the boxes above are shrunk to their children's.
   */
  delete(point: Float64Array): void {
    const leaf = this.find(point);
    if (leaf === undefined) throw new Error('delete: the point is not in the tree');
    if (leaf.mass > 1) {
      for (let n: Node | undefined = leaf; n !== undefined; n = n.parent) n.mass--;
      return;
    }
    const parent = leaf.parent;
    if (parent === undefined) {
      this.root = undefined;
      return;
    }
    const sibling = parent.left === leaf ? parent.right : parent.left;
    if (this.spare.length < 8) this.spare.push(parent.min, parent.max);
    const grand = parent.parent;
    sibling.parent = grand;
    if (grand === undefined) this.root = sibling;
    else if (grand.left === parent) grand.left = sibling;
    else grand.right = sibling;
    for (let n = grand; n !== undefined; n = n.parent) {
      n.mass--;
      const l = n.left;
      const r = n.right;
      const lmin = boxMin(l);
      const lmax = boxMax(l);
      const rmin = boxMin(r);
      const rmax = boxMax(r);
      for (let i = 0; i < this.dim; i++) {
        n.min[i] = Math.min(lmin[i]!, rmin[i]!);
        n.max[i] = Math.max(lmax[i]!, rmax[i]!);
      }
    }
  }

  /**
   * AWS's anomaly score of a point against this tree, split per dimension (the point is not inserted). At the
   * leaf p's walk ends in: 1/(depth+1) for a new point, split over the dimensions in proportion to |p − q|; for
   * a point equal to the leaf's, (1 − mass/(2·treeMass))/(depth + log₂(mass+1)), split evenly. At each ancestor
   * (depth d), with P the probability that a random cut of its box extended by p separates p (Σ range increase /
   * Σ extended range): score = P/(d+1) + (1−P)·score, the first part split by each dimension's range increase.
   * The result is scaled by log₂(treeMass+1).
   */
  attribution(point: Float64Array, out?: Attribution): Attribution {
    const res = out ?? { score: 0, high: new Float64Array(this.dim), low: new Float64Array(this.dim) };
    res.high.fill(0);
    res.low.fill(0);
    res.score = 0;
    const root = this.root;
    if (root === undefined) return res;
    let node: Node = root;
    let depth = 0;
    while (!node.leaf) {
      node = point[node.dim]! <= node.value ? node.left : node.right;
      depth++;
    }
    const treeMass = root.mass;
    if (samePoint(node.point, point)) {
      const s = (1 - node.mass / (2 * treeMass)) / (depth + Math.log2(node.mass + 1));
      for (let i = 0; i < this.dim; i++) res.high[i] = res.low[i] = s / (2 * this.dim);
      res.score = s;
    } else {
      this.cutShare(node, point, 1 / (depth + 1), res);
    }
    for (let n = node.parent; n !== undefined; n = n.parent) {
      depth--;
      this.cutShare(n, point, 1 / (depth + 1), res);
    }
    const scale = Math.log2(treeMass + 1);
    for (let i = 0; i < this.dim; i++) {
      res.high[i]! *= scale;
      res.low[i]! *= scale;
    }
    res.score *= scale;
    return res;
  }

  /** One step of the score walk at `n`: res = P·unseen + (1−P)·res, the P part split by range increase. */
  private cutShare(n: Node, point: Float64Array, unseen: number, res: Attribution): void {
    const lo = boxMin(n);
    const hi = boxMax(n);
    let grow = 0;
    let total = 0;
    for (let i = 0; i < this.dim; i++) {
      const up = Math.max(0, point[i]! - hi[i]!);
      const down = Math.max(0, lo[i]! - point[i]!);
      grow += up + down;
      total += hi[i]! - lo[i]! + up + down;
    }
    if (grow === 0 || total === 0) return; // p lies in the box: no cut here separates it, the score carries up
    const keep = 1 - grow / total;
    let sum = 0;
    for (let i = 0; i < this.dim; i++) {
      const up = Math.max(0, point[i]! - hi[i]!);
      const down = Math.max(0, lo[i]! - point[i]!);
      res.high[i] = (up / total) * unseen + keep * res.high[i]!;
      res.low[i] = (down / total) * unseen + keep * res.low[i]!;
      sum += res.high[i]! + res.low[i]!;
    }
    res.score = sum;
  }

  /** Every leaf's point and mass (for tests and invariants). */
  leaves(): Leaf[] {
    const out: Leaf[] = [];
    const walk = (n: Node | undefined): void => {
      if (n === undefined) return;
      if (n.leaf) out.push(n);
      else {
        walk(n.left);
        walk(n.right);
      }
    };
    walk(this.root);
    return out;
  }
}
