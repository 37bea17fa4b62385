import SQLite from 'better-sqlite3';
const db = new SQLite('' + (process.env.PLAN_DB ?? 'bench/out/large.db') + '', { readonly: true });
const [q, ...params] = process.argv.slice(2);
console.log((db.prepare(`explain query plan ${q}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('\n'));
let t = performance.now(); db.prepare(q).all(...params); console.log('ms', (performance.now() - t).toFixed(1));
