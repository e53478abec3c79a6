// The Athena parser: tokens → Statement, for the DDL subset the local Athena runs; SELECT/WITH pass through.

import { findListMarker } from '../core/pasted-text.js';
import type { ColumnDef, QualifiedName, Statement, StorageFormat } from './ast.js';
import { AthenaError } from './errors.js';
import { type Token, tokenize } from './lexer.js';

const PARQUET_HINTS = /parquet/i;

class Cursor {
  i = 0;
  constructor(
    readonly text: string,
    readonly tokens: readonly Token[],
  ) {}
  peek(k = 0): Token | undefined {
    return this.tokens[this.i + k];
  }
  /** The span to blame when something is missing: the next token, or the end of the text. */
  here(): { start: number; end: number } {
    const t = this.peek();
    return t ? { start: t.start, end: t.end } : { start: this.text.length, end: this.text.length };
  }
  isWord(w: string, k = 0): boolean {
    const t = this.peek(k);
    return t?.kind === 'word' && t.value.toUpperCase() === w;
  }
  acceptWord(...ws: string[]): boolean {
    if (!ws.every((w, k) => this.isWord(w, k))) return false;
    this.i += ws.length;
    return true;
  }
  fail(expected: string, hint?: string): never {
    const t = this.peek();
    throw new AthenaError(
      'ATHENA_SYNTAX',
      `expected ${expected}${t ? ` but found "${this.text.slice(t.start, t.end)}"` : ' but the statement ended'}`,
      this.here(),
      hint,
    );
  }
  word(w: string, hint?: string): void {
    if (!this.acceptWord(w)) this.fail(w, hint);
  }
  symbol(s: string): void {
    const t = this.peek();
    if (t?.kind !== 'symbol' || t.value !== s) this.fail(`"${s}"`);
    this.i++;
  }
  acceptSymbol(s: string): boolean {
    const t = this.peek();
    if (t?.kind !== 'symbol' || t.value !== s) return false;
    this.i++;
    return true;
  }
  string(what: string): string {
    const t = this.peek();
    if (t?.kind !== 'string') this.fail(`${what} as a quoted string`);
    this.i++;
    return t.value;
  }
  /** A property key or value: '...' or "..." (Athena accepts both in TBLPROPERTIES). */
  propertyText(): string {
    const t = this.peek();
    if (t?.kind !== 'string' && !(t?.kind === 'quoted' && this.text[t.start] === '"'))
      this.fail('a quoted property');
    this.i++;
    return t.value;
  }
  name(what: string): Token {
    const t = this.peek();
    if (t?.kind !== 'word' && t?.kind !== 'quoted') this.fail(what);
    this.i++;
    return t;
  }
  qualified(what: string): QualifiedName {
    const a = this.name(what);
    if (this.acceptSymbol('.')) {
      const b = this.name(what);
      return { db: a.value.toLowerCase(), name: b.value.toLowerCase(), start: a.start, end: b.end };
    }
    return { db: undefined, name: a.value.toLowerCase(), start: a.start, end: a.end };
  }
  end(): void {
    if (this.peek()) this.fail('the end of the statement', 'run one statement at a time, or use --file');
  }
}

/** A Hive type: a word with optional `(p, s)` or `<...>` arguments, kept as text. */
function hiveType(c: Cursor): string {
  const t = c.name('a column type');
  let type = t.value.toLowerCase();
  const open = c.peek();
  if (open?.kind === 'symbol' && (open.value === '(' || open.value === '<')) {
    const close = open.value === '(' ? ')' : '>';
    let depth = 0;
    const from = open.start;
    for (;;) {
      const x = c.peek();
      if (!x) c.fail(`"${close}"`);
      c.i++;
      if (x.value === open.value) depth++;
      if (x.value === close && --depth === 0) {
        type += c.text.slice(from, x.end).replace(/\s+/g, '').toLowerCase();
        break;
      }
    }
  }
  return type;
}

function columnList(c: Cursor): ColumnDef[] {
  c.symbol('(');
  const cols: ColumnDef[] = [];
  do {
    const n = c.name('a column name');
    const type = hiveType(c);
    cols.push({ name: n.value.toLowerCase(), type, start: n.start, end: c.peek(-1)!.end });
    if (c.acceptWord('COMMENT')) c.string('a comment');
  } while (c.acceptSymbol(','));
  c.symbol(')');
  return cols;
}

function properties(c: Cursor): Record<string, string> {
  const props: Record<string, string> = {};
  c.symbol('(');
  if (c.acceptSymbol(')')) return props;
  do {
    const k = c.propertyText();
    c.symbol('=');
    props[k] = c.propertyText();
  } while (c.acceptSymbol(','));
  c.symbol(')');
  return props;
}

function createTable(c: Cursor, external: boolean): Statement {
  const start = c.peek(-1)!;
  if (!external) {
    throw new AthenaError(
      'ATHENA_NOT_EXTERNAL',
      'only CREATE EXTERNAL TABLE is supported: the local Athena reads files where they are',
      { start: start.start, end: start.end },
      'write CREATE EXTERNAL TABLE ... LOCATION ...',
    );
  }
  const ifNotExists = c.acceptWord('IF', 'NOT', 'EXISTS');
  const table = c.qualified('a table name');
  const columns = columnList(c);
  let partitionedBy: ColumnDef[] = [];
  let format: StorageFormat = 'text';
  let delimiter = '\x01';
  let location: string | undefined;
  let props: Record<string, string> = {};
  for (;;) {
    if (c.acceptWord('COMMENT')) c.string('a comment');
    else if (c.acceptWord('PARTITIONED', 'BY')) partitionedBy = columnList(c);
    else if (c.acceptWord('ROW', 'FORMAT')) {
      if (c.acceptWord('DELIMITED')) {
        format = 'text';
        for (;;) {
          if (c.acceptWord('FIELDS', 'TERMINATED', 'BY')) {
            delimiter = c.string('the field delimiter');
            if (c.acceptWord('ESCAPED', 'BY')) c.string('the escape character');
          } else if (c.acceptWord('LINES', 'TERMINATED', 'BY')) c.string('the line delimiter');
          else if (c.acceptWord('COLLECTION', 'ITEMS', 'TERMINATED', 'BY')) c.string('a delimiter');
          else if (c.acceptWord('MAP', 'KEYS', 'TERMINATED', 'BY')) c.string('a delimiter');
          else if (c.acceptWord('NULL', 'DEFINED', 'AS')) c.string('the null text');
          else break;
        }
      } else if (c.acceptWord('SERDE')) {
        const at = c.here();
        const serde = c.string('the SerDe class');
        if (PARQUET_HINTS.test(serde)) format = 'parquet';
        else if (!/LazySimpleSerDe/i.test(serde)) {
          throw new AthenaError(
            'ATHENA_UNSUPPORTED_SERDE',
            `the SerDe ${serde} is not supported locally`,
            at,
            'use ROW FORMAT DELIMITED (text) or STORED AS PARQUET',
          );
        }
        if (c.acceptWord('WITH', 'SERDEPROPERTIES')) {
          const sp = properties(c);
          if (sp['field.delim'] !== undefined) delimiter = sp['field.delim'];
        }
      } else c.fail('DELIMITED or SERDE');
    } else if (c.acceptWord('STORED', 'AS')) {
      if (c.acceptWord('INPUTFORMAT')) {
        const input = c.string('the input format class');
        if (PARQUET_HINTS.test(input)) format = 'parquet';
        c.word('OUTPUTFORMAT');
        c.string('the output format class');
      } else {
        const at = c.here();
        const f = c.name('PARQUET or TEXTFILE').value.toUpperCase();
        if (f === 'PARQUET') format = 'parquet';
        else if (f === 'TEXTFILE') format = 'text';
        else
          throw new AthenaError(
            'ATHENA_UNSUPPORTED_FORMAT',
            `STORED AS ${f} is not supported locally`,
            at,
            'use STORED AS PARQUET or ROW FORMAT DELIMITED (text)',
          );
      }
    } else if (c.acceptWord('LOCATION')) location = c.string('the location');
    else if (c.acceptWord('TBLPROPERTIES')) props = properties(c);
    else break;
  }
  c.end();
  if (location === undefined) {
    throw new AthenaError(
      'ATHENA_NO_LOCATION',
      'an external table needs a LOCATION',
      { start: start.start, end: c.text.length },
      "add LOCATION 's3://bucket/prefix/' or LOCATION '/local/dir/'",
    );
  }
  return {
    kind: 'create_table',
    table,
    ifNotExists,
    columns,
    partitionedBy,
    format,
    delimiter,
    location,
    properties: props,
  };
}

function alterTable(c: Cursor): Statement {
  const table = c.qualified('a table name');
  if (!c.acceptWord('ADD'))
    c.fail('ADD PARTITION', 'the local Athena supports ALTER TABLE ... ADD PARTITION');
  const ifNotExists = c.acceptWord('IF', 'NOT', 'EXISTS');
  const partitions: { values: Record<string, string>; location: string | undefined }[] = [];
  while (c.acceptWord('PARTITION')) {
    c.symbol('(');
    const values: Record<string, string> = {};
    do {
      const k = c.name('a partition column');
      c.symbol('=');
      const v = c.peek();
      if (v?.kind !== 'string' && v?.kind !== 'number') c.fail('a partition value');
      c.i++;
      values[k.value.toLowerCase()] = v.value;
    } while (c.acceptSymbol(','));
    c.symbol(')');
    const location = c.acceptWord('LOCATION') ? c.string('the partition location') : undefined;
    partitions.push({ values, location });
  }
  if (partitions.length === 0) c.fail('PARTITION (...)');
  c.end();
  return { kind: 'add_partitions', table, ifNotExists, partitions };
}

/**
 * Parses one statement. SELECT and WITH statements are returned whole as `query` (DuckDB parses them).
 *
 * @example parseStatement('DROP TABLE IF EXISTS t') // { kind: 'drop_table', table: { name: 't', ... }, ifExists: true }
 */
export function parseStatement(text: string): Statement {
  const marker = findListMarker(text);
  if (marker) throw new AthenaError(marker.code, marker.message, marker, marker.hint);
  const c = new Cursor(text, tokenize(text));
  if (!c.peek()) throw new AthenaError('ATHENA_EMPTY', 'there is no statement to run', { start: 0, end: 0 });
  if (c.isWord('SELECT') || c.isWord('WITH') || (c.peek()?.value === '(' && c.isWord('SELECT', 1))) {
    return { kind: 'query', sql: text };
  }
  if (c.acceptWord('CREATE')) {
    if (c.acceptWord('DATABASE') || c.acceptWord('SCHEMA')) {
      const ifNotExists = c.acceptWord('IF', 'NOT', 'EXISTS');
      const name = c.name('a database name').value.toLowerCase();
      while (c.peek()) c.i++; // COMMENT, LOCATION, WITH DBPROPERTIES: accepted and ignored
      return { kind: 'create_database', name, ifNotExists };
    }
    const external = c.acceptWord('EXTERNAL');
    c.word('TABLE', 'e.g. CREATE EXTERNAL TABLE t (...) LOCATION ...');
    return createTable(c, external);
  }
  if (c.acceptWord('ALTER', 'TABLE')) return alterTable(c);
  if (c.acceptWord('MSCK', 'REPAIR', 'TABLE')) {
    const table = c.qualified('a table name');
    c.end();
    return { kind: 'msck_repair', table };
  }
  if (c.acceptWord('DROP')) {
    if (c.acceptWord('DATABASE') || c.acceptWord('SCHEMA')) {
      const ifExists = c.acceptWord('IF', 'EXISTS');
      const name = c.name('a database name').value.toLowerCase();
      c.acceptWord('CASCADE');
      c.end();
      return { kind: 'drop_database', name, ifExists };
    }
    c.word('TABLE');
    const ifExists = c.acceptWord('IF', 'EXISTS');
    const table = c.qualified('a table name');
    c.end();
    return { kind: 'drop_table', table, ifExists };
  }
  if (c.acceptWord('SHOW')) {
    if (c.acceptWord('TABLES')) {
      const db =
        c.acceptWord('IN') || c.acceptWord('FROM')
          ? c.name('a database name').value.toLowerCase()
          : undefined;
      c.end();
      return { kind: 'show_tables', db };
    }
    if (c.acceptWord('DATABASES') || c.acceptWord('SCHEMAS')) {
      c.end();
      return { kind: 'show_databases' };
    }
    if (c.acceptWord('PARTITIONS')) {
      const table = c.qualified('a table name');
      c.end();
      return { kind: 'show_partitions', table };
    }
    c.fail('TABLES, DATABASES or PARTITIONS');
  }
  if (c.acceptWord('USE')) {
    const db = c.name('a database name').value.toLowerCase();
    c.end();
    return { kind: 'use', db };
  }
  const t = c.peek()!;
  throw new AthenaError(
    'ATHENA_UNSUPPORTED_STATEMENT',
    `"${t.value}" statements are not supported by the local Athena`,
    { start: t.start, end: t.end },
    'supported: SELECT, WITH, CREATE DATABASE, CREATE EXTERNAL TABLE, ALTER TABLE ADD PARTITION, MSCK REPAIR TABLE, DROP TABLE, SHOW TABLES/DATABASES/PARTITIONS, USE',
  );
}
