// The local Athena's catalog in the store: databases, external tables (columns, format, location,
// properties) and registered partitions, in tables of their own beside the flow records.

import type { Store } from './store.js';

/** A column as the catalog keeps it: name and Hive type text. */
export interface CatalogColumn {
  readonly name: string;
  readonly type: string;
}

export interface CatalogTable {
  readonly db: string;
  readonly name: string;
  readonly columns: readonly CatalogColumn[];
  readonly partitionColumns: readonly CatalogColumn[];
  readonly format: 'text' | 'parquet';
  readonly delimiter: string;
  readonly location: string;
  readonly properties: Readonly<Record<string, string>>;
  /**
   * The local S3 mirror (`--location-root`, absolute) the table was created with: its `s3://` locations (and
   * its partitions') are read from `<locationRoot>/bucket/key` in later sessions too, without the flag.
   */
  readonly locationRoot?: string | undefined;
}

export interface CatalogPartition {
  /** Values in partition-column order. */
  readonly values: readonly string[];
  readonly location: string;
}

const DDL = [
  `CREATE TABLE IF NOT EXISTS athena_databases (name VARCHAR PRIMARY KEY, created_at TIMESTAMPTZ NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS athena_tables (
  db VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  columns VARCHAR NOT NULL,
  partition_columns VARCHAR NOT NULL,
  format VARCHAR NOT NULL,
  delimiter VARCHAR NOT NULL,
  location VARCHAR NOT NULL,
  properties VARCHAR NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (db, name)
)`,
  `CREATE TABLE IF NOT EXISTS athena_partitions (
  db VARCHAR NOT NULL,
  table_name VARCHAR NOT NULL,
  spec VARCHAR NOT NULL,
  vals VARCHAR NOT NULL,
  location VARCHAR NOT NULL,
  PRIMARY KEY (db, table_name, spec)
)`,
  // Stores made before the location root was remembered get the column (empty: no mirror).
  `ALTER TABLE athena_tables ADD COLUMN IF NOT EXISTS location_root VARCHAR`,
  `INSERT INTO athena_databases VALUES ('default', now()) ON CONFLICT DO NOTHING`,
];

/** `k1=v1/k2=v2`: a partition's identity (Hive's partition name). */
export function partitionSpec(columns: readonly CatalogColumn[], values: readonly string[]): string {
  return columns.map((c, i) => `${c.name}=${values[i] ?? ''}`).join('/');
}

/**
 * The Athena catalog of a store opened for writing.
 *
 * @example const catalog = await AthenaCatalog.open(store); await catalog.createDatabase('logs');
 */
export class AthenaCatalog {
  private constructor(private readonly store: Store) {}

  /** Creates the catalog's tables when missing (and the `default` database). */
  static async open(store: Store): Promise<AthenaCatalog> {
    for (const sql of DDL) await store.query(sql);
    return new AthenaCatalog(store);
  }

  async databases(): Promise<string[]> {
    const r = await this.store.query('SELECT name FROM athena_databases ORDER BY name');
    return r.rows.map((x) => String(x['name']));
  }

  async hasDatabase(name: string): Promise<boolean> {
    const r = await this.store.query('SELECT 1 FROM athena_databases WHERE name = $1', [name]);
    return r.rows.length > 0;
  }

  /** Adds a database; false when it existed. */
  async createDatabase(name: string): Promise<boolean> {
    if (await this.hasDatabase(name)) return false;
    await this.store.query('INSERT INTO athena_databases VALUES ($1, now())', [name]);
    return true;
  }

  /** Drops a database with its tables and partitions. */
  async dropDatabase(name: string): Promise<void> {
    await this.store.query('DELETE FROM athena_partitions WHERE db = $1', [name]);
    await this.store.query('DELETE FROM athena_tables WHERE db = $1', [name]);
    await this.store.query('DELETE FROM athena_databases WHERE name = $1', [name]);
  }

  async tables(db: string): Promise<string[]> {
    const r = await this.store.query('SELECT name FROM athena_tables WHERE db = $1 ORDER BY name', [db]);
    return r.rows.map((x) => String(x['name']));
  }

  /** Every table as `[db, name]`, in one query (a SELECT's words are looked up here, not one query each). */
  async allTables(): Promise<[string, string][]> {
    const r = await this.store.query('SELECT db, name FROM athena_tables');
    return r.rows.map((x) => [String(x['db']), String(x['name'])]);
  }

  async table(db: string, name: string): Promise<CatalogTable | undefined> {
    const r = await this.store.query('SELECT * FROM athena_tables WHERE db = $1 AND name = $2', [db, name]);
    const row = r.rows[0];
    if (!row) return undefined;
    return {
      db,
      name,
      columns: JSON.parse(String(row['columns'])) as CatalogColumn[],
      partitionColumns: JSON.parse(String(row['partition_columns'])) as CatalogColumn[],
      format: row['format'] === 'parquet' ? 'parquet' : 'text',
      delimiter: String(row['delimiter']),
      location: String(row['location']),
      properties: JSON.parse(String(row['properties'])) as Record<string, string>,
      ...(typeof row['location_root'] === 'string' ? { locationRoot: row['location_root'] } : {}),
    };
  }

  async createTable(t: CatalogTable): Promise<void> {
    await this.store.query(
      `INSERT INTO athena_tables
         (db, name, columns, partition_columns, format, delimiter, location, properties, created_at, location_root)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9)`,
      [
        t.db,
        t.name,
        JSON.stringify(t.columns),
        JSON.stringify(t.partitionColumns),
        t.format,
        t.delimiter,
        t.location,
        JSON.stringify(t.properties),
        t.locationRoot ?? null,
      ],
    );
  }

  /** Drops a table and its partitions (the files stay: the table is external). */
  async dropTable(db: string, name: string): Promise<void> {
    await this.store.query('DELETE FROM athena_partitions WHERE db = $1 AND table_name = $2', [db, name]);
    await this.store.query('DELETE FROM athena_tables WHERE db = $1 AND name = $2', [db, name]);
  }

  /** Registered partitions, in spec order. */
  async partitions(t: CatalogTable): Promise<CatalogPartition[]> {
    const r = await this.store.query(
      'SELECT vals, location FROM athena_partitions WHERE db = $1 AND table_name = $2 ORDER BY spec',
      [t.db, t.name],
    );
    return r.rows.map((x) => ({
      values: JSON.parse(String(x['vals'])) as string[],
      location: String(x['location']),
    }));
  }

  /** Registers a partition; false when one with the same values exists (it is left as it was). */
  async addPartition(t: CatalogTable, p: CatalogPartition): Promise<boolean> {
    const spec = partitionSpec(t.partitionColumns, p.values);
    const r = await this.store.query(
      `INSERT INTO athena_partitions VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING spec`,
      [t.db, t.name, spec, JSON.stringify(p.values), p.location],
    );
    return r.rows.length > 0;
  }
}
