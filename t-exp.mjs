import { Store } from './dist/storage/store.js';
import { jsonLinesSelect } from './dist/storage/export-map-sql.js';
import { linesCopySql } from './dist/storage/export-sql.js';
const store = await Store.open(process.argv[2], { readOnly: true, confineTo: ['/tmp/exp-x'] });
const time = async (label, fn) => { const t0 = performance.now(); const u0 = process.cpuUsage(); await fn(); const u = process.cpuUsage(u0); console.log(label.padEnd(34), ((performance.now()-t0)/1000).toFixed(2), 's wall', ((u.user+u.system)/1e6).toFixed(2), 's cpu'); };
for (const fmt of ['ocsf', 'ecs']) {
const sel = jsonLinesSelect(fmt, {}, undefined);
await time(fmt+' ordered', () => store.query(linesCopySql(sel, '/tmp/exp-x/x1.ndjson')));
const unordered = sel.replace(/ORDER BY r.file_id, r.line$/, '');
await time(fmt+' unordered', () => store.query(linesCopySql(unordered, '/tmp/exp-x/x2.ndjson')));
const narrow = unordered.replace('FROM flows f LEFT JOIN files fi ON fi.id = f.file_id WHERE TRUE)', 'FROM flows f LEFT JOIN files fi ON fi.id = f.file_id WHERE TRUE ORDER BY f.file_id, f.line)');
await time(fmt+' narrow sort', () => store.query(linesCopySql(narrow, '/tmp/exp-x/x3.ndjson')));
await time(fmt+' no write', () => store.query(`SELECT sum(length(line)) FROM (${unordered})`));
}
store.close();
