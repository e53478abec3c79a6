// Partition pruning: the values a single-table SELECT's WHERE fixes for columns (`col = 'v'`, `col IN (...)`
// joined by AND at the top), read from DuckDB's parse tree; partitions with other values need not be read.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Node = { [k: string]: Json };

const isNode = (v: Json | undefined): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fixed values: table name (lower-case, as written, maybe `db.name`) and column → allowed values. */
export interface FixedValues {
  readonly table: string;
  readonly columns: ReadonlyMap<string, ReadonlySet<string>>;
}

function constant(n: Json | undefined): string | undefined {
  if (!isNode(n) || n['class'] !== 'CONSTANT' || !isNode(n['value'])) return undefined;
  const v = n['value'];
  if (v['is_null'] === true || !isNode(v['type'])) return undefined;
  const id = v['type']['id'];
  if (id === 'VARCHAR' && typeof v['value'] === 'string') return v['value'];
  if ((id === 'INTEGER' || id === 'BIGINT') && typeof v['value'] === 'number') return `#${v['value']}`;
  return undefined;
}

/**
 * Reads the fixed values from `json_serialize_sql` output; undefined when the statement is not one plain
 * SELECT over one table (joins, set operations, CTEs: no pruning).
 *
 * @example fixedValues(json)?.columns.get('dt') // Set { '2024-05-20' }
 */
export function fixedValues(serialized: string): FixedValues | undefined {
  // a table named twice (a self-join, a subquery in WHERE) shares one view: no pruning then
  if ((serialized.match(/"type":"BASE_TABLE"/g) ?? []).length !== 1) return undefined;
  const parsed = JSON.parse(serialized) as Node;
  const statements = parsed['statements'];
  if (!Array.isArray(statements) || statements.length !== 1 || !isNode(statements[0])) return undefined;
  const node = statements[0]['node'];
  if (!isNode(node) || node['type'] !== 'SELECT_NODE') return undefined;
  const ctes = isNode(node['cte_map']) ? node['cte_map']['map'] : undefined;
  if (Array.isArray(ctes) && ctes.length > 0) return undefined;
  const from = node['from_table'];
  if (!isNode(from) || from['type'] !== 'BASE_TABLE') return undefined;
  const name = String(from['table_name'] ?? '').toLowerCase();
  const schema = String(from['schema_name'] ?? '').toLowerCase();
  const alias = String(from['alias'] ?? '').toLowerCase();
  const column = (n: Json | undefined): string | undefined => {
    if (!isNode(n) || n['class'] !== 'COLUMN_REF' || !Array.isArray(n['column_names'])) return undefined;
    const names = n['column_names'].map((x) => String(x).toLowerCase());
    if (names.length === 1) return names[0];
    if (names.length === 2 && (names[0] === name || (alias !== '' && names[0] === alias))) return names[1];
    return undefined;
  };
  const columns = new Map<string, Set<string>>();
  const fix = (col: string, values: string[]) => {
    const had = columns.get(col);
    columns.set(col, new Set(had ? values.filter((v) => had.has(v)) : values));
  };
  const visit = (n: Json | undefined): void => {
    if (!isNode(n)) return;
    if (n['type'] === 'CONJUNCTION_AND' && Array.isArray(n['children'])) {
      for (const c of n['children']) visit(c);
    } else if (n['type'] === 'COMPARE_EQUAL') {
      const l = column(n['left']);
      const r = column(n['right']);
      const lv = constant(n['left']);
      const rv = constant(n['right']);
      if (l !== undefined && rv !== undefined) fix(l, [rv]);
      else if (r !== undefined && lv !== undefined) fix(r, [lv]);
    } else if (n['type'] === 'COMPARE_IN' && Array.isArray(n['children'])) {
      const [first, ...rest] = n['children'];
      const col = column(first);
      const values = rest.map(constant);
      if (col !== undefined && values.every((v) => v !== undefined)) fix(col, values as string[]);
    }
  };
  visit(node['where_clause']);
  return { table: schema === '' ? name : `${schema}.${name}`, columns };
}

/** True when a partition value may satisfy the fixed values (`#n` constants compare as numbers). */
export function allowed(fixed: ReadonlySet<string> | undefined, value: string): boolean {
  if (!fixed) return true;
  for (const f of fixed) {
    if (f.startsWith('#') ? /^-?\d+$/.test(value) && Number(value) === Number(f.slice(1)) : f === value)
      return true;
  }
  return false;
}
