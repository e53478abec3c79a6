// The Athena statement AST: a readonly discriminated union, one node per statement the local Athena runs.

/** A name as written, with its span; `db` when qualified (`logs.vpc_flow_logs`). */
export interface QualifiedName {
  readonly db: string | undefined;
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/** A column: lower-cased name and its Hive type text (e.g. `bigint`, `decimal(10,2)`). */
export interface ColumnDef {
  readonly name: string;
  readonly type: string;
  /** Span of the column's definition (name to type). */
  readonly start: number;
  readonly end: number;
}

export type StorageFormat = 'text' | 'parquet';

export type Statement =
  | { readonly kind: 'create_database'; readonly name: string; readonly ifNotExists: boolean }
  | {
      readonly kind: 'create_table';
      readonly table: QualifiedName;
      readonly ifNotExists: boolean;
      readonly columns: readonly ColumnDef[];
      readonly partitionedBy: readonly ColumnDef[];
      readonly format: StorageFormat;
      /** Field delimiter for text tables (default `\x01`, Hive's). */
      readonly delimiter: string;
      readonly location: string;
      readonly properties: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'add_partitions';
      readonly table: QualifiedName;
      readonly ifNotExists: boolean;
      readonly partitions: readonly {
        readonly values: Readonly<Record<string, string>>;
        readonly location: string | undefined;
      }[];
    }
  | { readonly kind: 'msck_repair'; readonly table: QualifiedName }
  | { readonly kind: 'drop_table'; readonly table: QualifiedName; readonly ifExists: boolean }
  | { readonly kind: 'drop_database'; readonly name: string; readonly ifExists: boolean }
  | { readonly kind: 'show_tables'; readonly db: string | undefined }
  | { readonly kind: 'show_databases' }
  | { readonly kind: 'show_partitions'; readonly table: QualifiedName }
  | { readonly kind: 'use'; readonly db: string }
  /** SELECT or WITH: run by DuckDB over the catalog's tables. */
  | { readonly kind: 'query'; readonly sql: string };
