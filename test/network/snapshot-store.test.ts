// Snapshots in the store: a schema-3 store gains network_snapshots when opened (read-only opens upgrade it
// first), and a flow is judged against the latest snapshot taken at or before its time.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonErrorOffset } from '../../src/core/json-position.js';
import { inForce } from '../../src/network/snapshot.js';
import { listSnapshots, saveSnapshot } from '../../src/storage/network-snapshots.js';
import { SCHEMA_VERSION } from '../../src/storage/schema.js';
import { Store } from '../../src/storage/store.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-netstore-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('network snapshots in the store', () => {
  it('upgrades a schema-3 store to 4 on a read-only open, and keeps snapshots in time order', async () => {
    const path = join(dir, 's.duckdb');
    const s = await Store.open(path);
    await s.query('DROP TABLE network_snapshots');
    await s.query(`UPDATE meta SET value = '3' WHERE key = 'schema_version'`);
    s.close();
    const ro = await Store.open(path, { readOnly: true });
    const v = await ro.query(`SELECT value FROM meta WHERE key = 'schema_version'`);
    expect(v.rows[0]!['value']).toBe(String(SCHEMA_VERSION));
    expect(SCHEMA_VERSION).toBe(4);
    expect(await listSnapshots(ro)).toEqual([]);
    ro.close();
    const w = await Store.open(path);
    expect(await saveSnapshot(w, 2000, ['b.json'], '[]')).toBe(1);
    expect(await saveSnapshot(w, 1000, ['a.json'], '[]')).toBe(2);
    expect((await listSnapshots(w)).map((x) => [x.id, x.takenAt])).toEqual([
      [2, 1000],
      [1, 2000],
    ]);
    w.close();
  });

  it('picks the snapshot in force: the latest at or before the time, else the earliest, said', () => {
    const list = [{ takenAt: 1000 }, { takenAt: 2000 }];
    expect(inForce(list, 1999)).toEqual({ snapshot: { takenAt: 1000 }, predates: false });
    expect(inForce(list, 2000)).toEqual({ snapshot: { takenAt: 2000 }, predates: false });
    expect(inForce(list, 999)).toEqual({ snapshot: { takenAt: 1000 }, predates: true });
    expect(inForce([], 5)).toBeUndefined();
  });
});

describe('JSON error positions', () => {
  it('finds the offset V8 does not report', () => {
    expect(jsonErrorOffset('{"a": [}')).toBe(7);
    expect(jsonErrorOffset('{"a": 1,}')).toBe(8);
    expect(jsonErrorOffset('{"a": tru}')).toBe(9);
    expect(jsonErrorOffset('{"a": "x\\q"}')).toBe(9);
    expect(jsonErrorOffset('{"a": [1, 2')).toBe(11);
    expect(jsonErrorOffset('{"a": {"b": [true, null, -1.5e3, "\\u00e9"]}}')).toBeUndefined();
    expect(jsonErrorOffset('{} x')).toBe(3);
  });
});
