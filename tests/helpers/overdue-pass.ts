/** One overdue pass in its own process, as a second server on the same file would run it: prints how many it told. */
import { openDatabase } from '../../src/db/database.js';
import { runOverduePass } from '../../src/features/tasks/tasks.overdue.js';

const [dbFile, now] = process.argv.slice(2);
const { db } = openDatabase(dbFile);
const told = await runOverduePass(db, now);
await db.destroy();
process.stdout.write(String(told));
