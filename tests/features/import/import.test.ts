import t from 'tap';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import { type Client, buildTestApp, loginAs, postFile } from '../../helpers/app.js';
import { setSetting } from '../../../src/features/settings/settings.queries.js';
import { makeCompany, makeContact, makeCustomer, makeDeal, makeLead, makeTask, makeUser, stagesOf } from '../../helpers/factories.js';
import { autoMap, splitName } from '../../../src/features/import/import.mapping.js';
import { companyImporter, contactImporter } from '../../../src/features/import/import.importers.js';
import { detectDelimiter, readCsv } from '../../../src/features/import/import.csv.js';
import { runBatch } from '../../../src/features/import/import.job.js';
t.test('reading real exports: BOM, semicolons, tabs, Windows-1252, quoted newlines, blank lines, ragged rows; what is not CSV', async (t) => {
  const bom = readCsv(Buffer.from('\uFEFFFirst Name,Last Name\r\nAda,Lovelace\r\n'));
  t.same([bom.encoding, bom.headers, bom.rows[0].cells], ['utf-8', ['First Name', 'Last Name'], ['Ada', 'Lovelace']], 'the BOM is not part of the first header');
  const semi = readCsv(Buffer.from('Name;E-mail Address;Phone\nJosé Núñez;jose@example.com;+34 600\n\n"Quote; Inc";q@example.com\n'));
  t.equal(semi.delimiter, ';');
  t.same(semi.rows.map((r) => r.cells), [['José Núñez', 'jose@example.com', '+34 600'], ['Quote; Inc', 'q@example.com']], 'blank line dropped, a short row kept');
  t.equal(detectDelimiter('a\tb\tc\n1\t2\t3'), '\t');
  const latin = readCsv(iconv.encode('Nom,Société\nRené,Crème Brûlée SARL\n', 'windows-1252'));
  t.same([latin.encoding, latin.rows[0].cells], ['windows-1252', ['René', 'Crème Brûlée SARL']], 'Windows-1252 detected and decoded');
  const multi = readCsv(Buffer.from('Name,Notes\n"Ada","line one\nline two"\n"Bob",x\n'));
  t.same(multi.rows.map((r) => r.cells[1]), ['line one\nline two', 'x'], 'a quoted newline stays in its cell');
  t.equal(multi.rows[1].line, 4, 'line numbers count the file\'s lines');
  t.throws(() => readCsv(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0x08, 0, 0, 0])), { name: 'NotCsvError' }, 'a zip (xlsx) is not CSV');
  t.throws(() => readCsv(Buffer.alloc(0)), { name: 'NotCsvError', message: 'The file is empty.' });
  t.same(splitName('Lovelace, Ada'), { first: 'Ada', last: 'Lovelace' });
  t.same(splitName('Mary Ann Smith'), { first: 'Mary Ann', last: 'Smith' });
  t.same(
    autoMap(['First Name', 'Surname', 'E-mail Address', 'Mobile Phone', 'Organization', 'Job Title', 'Owner', 'Email 1', 'Favourite colour'], contactImporter.fields),
    ['first_name', 'last_name', 'email', 'phone', 'company', 'position', 'assigned_to', '', ''],
    'aliases other CRMs use; a second email column is not mapped twice; an unknown column is ignored',
  );
});

async function upload(c: Client, name: string, content: Buffer | string, fields: Record<string, string> = {}) {
  return postFile(c, '/import', { entity: 'contact', ...fields }, { name, content });
}

t.test('contacts: upload, map by alias, preview with counts and reasons, import, summary, skipped rows as CSV, duplicates modes', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin', name: 'Ann Admin' });
  const rep = await makeUser(app, { name: 'Rita Rep', email: 'rita@orchard.test' });
  await makeCompany(app, admin, { name: 'Hooli' });
  const existing = await makeContact(app, admin, { first_name: 'Old', last_name: 'Entry', email: 'ada@example.com' });
  const c = await loginAs(app, admin);

  const csv = [
    'First Name,Last Name,E-mail Address,Mobile Phone,Company Name,Owner',
    'Ada,Lovelace,ADA@example.com,+44 1,Hooli,rita@orchard.test', // duplicate of an existing contact (case-insensitive)
    'Grace,Hopper,grace@example.com,+1 2,Navy Labs,Rita Rep', // a new company
    ',,nobody@example.com,,,', // no name: skipped with the form's own message
    'Alan,Turing,not-an-email,,hooli,', // bad email: skipped
    'Katherine,Johnson,kj@example.com,,,',
  ].join('\n');
  const res = await upload(c, 'contacts.csv', csv);
  t.equal(res.statusCode, 303);
  const page = await c.get(res.headers.location as string);
  t.equal(page.statusCode, 200);
  t.match(page.body, /<option value="email" selected>Email<\/option>/, 'E-mail Address mapped to Email');
  t.match(page.body, /<option value="company" selected>/, 'Company Name mapped');
  const count = (body: string, id: string) => Number(new RegExp(`id="${id}">([\\d,]+)<`).exec(body)?.[1]);
  t.same([count(page.body, 'count-create'), count(page.body, 'count-update'), count(page.body, 'count-skip')], [2, 0, 3], 'skip duplicates: 2 created, 3 skipped');
  t.match(page.body, /Line 4:<\/strong> Enter a first or a last name\./, 'the reason by its line');
  t.match(page.body, /Line 5:<\/strong> Enter a valid email address/);
  t.match(page.body, /New: Navy Labs/, 'the unknown company is listed with the choice');
  t.equal(await app.db.selectFrom('contacts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow().then((r) => Number(r.n)), 1, 'nothing written by the preview');

  // Change one mapping (ignore the phone) and choose "update"; the preview follows.
  const id = Number((res.headers.location as string).split('/').pop());
  const mapping = { col_0: 'first_name', col_1: 'last_name', col_2: 'email', col_3: '', col_4: 'company', col_5: 'assigned_to', duplicates: 'update', unknownValues: 'create' };
  await c.get(`/import/${id}`);
  const mapped = await c.post(`/import/${id}/mapping`, mapping);
  t.equal(mapped.statusCode, 303);
  const again = await c.get(`/import/${id}`);
  t.same([count(again.body, 'count-create'), count(again.body, 'count-update'), count(again.body, 'count-skip')], [2, 1, 2], 'update duplicates: 1 updated');

  // A choice no form offers: refused with a message, the import still waiting for its columns.
  const junk = await c.post(`/import/${id}/mapping`, { ...mapping, duplicates: 'explode', col_0: 'password_hash', start: '1' });
  t.equal(junk.statusCode, 422);
  t.equal((await app.db.selectFrom('imports').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status, 'mapping', 'not started');
  const started = await c.post(`/import/${id}/mapping`, { ...mapping, start: '1' });
  t.equal(started.statusCode, 303);
  await app.imports.settle(id);
  const done = await c.get(`/import/${id}`);
  t.same([count(done.body, 'done-created'), count(done.body, 'done-updated'), count(done.body, 'done-skipped')], [2, 1, 2], 'rows in = created + updated + skipped');
  const ada = await app.db.selectFrom('contacts').selectAll().where('id', '=', existing).executeTakeFirstOrThrow();
  t.same([ada.first_name, ada.last_name, ada.phone, ada.assigned_to], ['Ada', 'Lovelace', null, rep.id], 'the existing contact updated; the ignored phone column not used');
  const grace = await app.db.selectFrom('contacts as k').innerJoin('companies as co', 'co.id', 'k.company_id').select(['co.name', 'k.assigned_to']).where('k.email', '=', 'grace@example.com').executeTakeFirstOrThrow();
  t.same(grace, { name: 'Navy Labs', assigned_to: rep.id }, 'company created, owner found by name');
  const kj = await app.db.selectFrom('contacts').select(['assigned_to']).where('email', '=', 'kj@example.com').executeTakeFirstOrThrow();
  t.equal(kj.assigned_to, admin.id, 'no owner column value: the importer');
  const audit = await app.db.selectFrom('audit_entries').select(['action']).where('entity_type', '=', 'contact').where('action', '=', 'created').execute();
  t.equal(audit.length, 1 + 2, 'each created contact has its audit entry, written by the contact service');

  const gracePage = await c.get(`/contacts/${(await app.db.selectFrom('contacts').select('id').where('email', '=', 'grace@example.com').executeTakeFirstOrThrow()).id}`);
  t.match(gracePage.body, /imported this contact from contacts\.csv/, 'the timeline says it was imported, and from which file');
  const skipped = await c.get(`/import/${id}/skipped.csv`);
  t.equal(skipped.statusCode, 200);
  const lines = skipped.body.replace(/^\uFEFF/, '').trim().split('\r\n');
  t.equal(lines[0], 'First Name,Last Name,E-mail Address,Mobile Phone,Company Name,Owner,Line,Why it was skipped');
  t.equal(lines.length, 3, 'the two skipped rows, to fix and re-import');
  t.match(lines[1], /^,,nobody@example.com,,,,4,Enter a first or a last name\.$/);

  // The same file again, skipping duplicates: everything with an email already in is skipped.
  const second = await upload(c, 'contacts.csv', csv);
  const id2 = Number((second.headers.location as string).split('/').pop());
  await c.get(`/import/${id2}`);
  await c.post(`/import/${id2}/start`, {});
  await app.imports.settle(id2);
  const imp2 = await app.db.selectFrom('imports').selectAll().where('id', '=', id2).executeTakeFirstOrThrow();
  t.same([imp2.created, imp2.updated, imp2.skipped, imp2.status], [0, 0, 5, 'done']);

  // "Create another": a second Ada.
  const third = await upload(c, 'ada.csv', 'Name,Email\nAda Lovelace,ada@example.com\n');
  const id3 = Number((third.headers.location as string).split('/').pop());
  await c.get(`/import/${id3}`);
  await c.post(`/import/${id3}/mapping`, { col_0: 'full_name', col_1: 'email', duplicates: 'create', unknownValues: 'empty', start: '1' });
  await app.imports.settle(id3);
  t.equal((await app.db.selectFrom('contacts').select('id').where(sql<boolean>`lower(email) = 'ada@example.com'`).execute()).length, 2, 'create another: two Adas');

  // Another rep cannot see this import.
  const r = await loginAs(app, rep);
  t.equal((await r.get(`/import/${id}`)).statusCode, 404);
  t.equal((await r.get(`/import/${id}/skipped.csv`)).statusCode, 404);
});

t.test('bad files: not CSV, empty, over the size limit, no file, no CSRF token — a message by the field, never a 500', async (t) => {
  const { app } = await buildTestApp(t, { env: { ORCHARD_IMPORT_MAX_MB: '0.01' } });
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const zip = await upload(c, 'contacts.xlsx', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0x08, 0, 0, 0, 1, 2]));
  t.equal(zip.statusCode, 422);
  t.match(zip.body, /id="file-error">This is not a CSV file/);
  const empty = await upload(c, 'empty.csv', '');
  t.equal(empty.statusCode, 422);
  t.match(empty.body, /The file is empty/);
  const big = await upload(c, 'big.csv', `Name,Email\n${'Ada Lovelace,ada@example.com\n'.repeat(1000)}`);
  t.equal(big.statusCode, 413);
  t.match(big.body, /id="file-error">The file is larger than 0.01 MB/);
  const none = await postFile(c, '/import', { entity: 'contact' }, null);
  t.equal(none.statusCode, 422);
  t.match(none.body, /Choose a CSV file/);
  const forged = await postFile(c, '/import', { entity: 'contact' }, { name: 'a.csv', content: 'Name\nAda\n' }, { csrf: false });
  t.equal(forged.statusCode, 403, 'no CSRF token: refused');
  t.equal((await app.db.selectFrom('imports').select('id').execute()).length, 0, 'nothing stored');
  t.equal((await c.get('/import/999')).statusCode, 404);
  const template = await c.get('/import/template/contact.csv');
  t.equal(template.statusCode, 200);
  const parsedTemplate = readCsv(Buffer.from(template.body));
  t.same(autoMap(parsedTemplate.headers, contactImporter.fields), ['first_name', 'last_name', 'email', 'phone', 'position', 'company', 'assigned_to'], 'the template maps itself');
  t.equal(parsedTemplate.rows.length, 2);
  t.equal((await c.get('/import/template/spaceship.csv')).statusCode, 404);
  t.equal((await c.get('/import/x')).statusCode, 404);
});

t.test('an import stopped between batches holds whole batches only; resumed, it finishes with counts that add up', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const rows = Array.from({ length: 25 }, (_, i) => (i === 7 ? ',,bad,,' : `P${i},Person,p${i}@example.com`));
  const res = await upload(c, 'people.csv', `First name,Last name,Email\n${rows.join('\n')}\n`);
  const id = Number((res.headers.location as string).split('/').pop());
  // Run two batches of 10 by hand, as the job would, then "crash".
  await app.db.updateTable('imports').set({ status: 'running' }).where('id', '=', id).execute();
  t.equal(await runBatch(app, id, 10), 'more');
  t.equal(await runBatch(app, id, 10), 'more');
  const mid = await app.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const contacts = async () => Number((await app.db.selectFrom('contacts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  t.same([mid.next_row, mid.created, mid.skipped, await contacts()], [20, 19, 1, 19], 'two whole batches: 20 rows handled, 19 contacts');
  const running = await c.get(`/import/${id}`);
  t.match(running.body, /<progress value="20" max="25"/, 'while running, the page shows the bar');
  t.match(running.body, /hx-get="\/import\/\d+\/progress" hx-trigger="every 1s"/, 'polled every second');
  const bar = await c.get(`/import/${id}/progress`, { 'hx-request': 'true' });
  t.match(bar.body, /<strong>20<\/strong> of 25 rows \(80%\)/);
  // Out of time budget after the first row: the batch ends there, and says where.
  t.equal(await runBatch(app, id, 10, 0), 'more');
  t.equal((await app.db.selectFrom('imports').select('next_row').where('id', '=', id).executeTakeFirstOrThrow()).next_row, 21, 'a batch over its time budget stops after the row in hand');
  await app.db.updateTable('imports').set({ status: 'running' }).where('id', '=', id).execute();
  // A batch that fails half-way leaves nothing of itself.
  await t.rejects(
    app.db.transaction().execute(async (trx) => {
      await trx.insertInto('contacts').values({ first_name: 'Half', last_name: 'Batch', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' }).execute();
      throw new Error('crash');
    }),
  );
  t.equal(await contacts(), 20);
  // The restart marks it stopped; its page says where; resume finishes it.
  await app.db.updateTable('imports').set({ status: 'stopped' }).where('id', '=', id).execute();
  const stopped = await c.get(`/import/${id}`);
  t.match(stopped.body, /Stopped at row 21 of 25/);
  await c.post(`/import/${id}/start`, {});
  await app.imports.settle(id);
  const end = await app.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  t.same([end.status, end.created, end.updated, end.skipped, end.created + end.updated + end.skipped, await contacts()], ['done', 24, 0, 1, 25, 24]);
  const results = await app.db.selectFrom('import_results').select('n').where('import_id', '=', id).orderBy('n').execute();
  t.same(results.map((r) => r.n), Array.from({ length: 25 }, (_, i) => i), 'one result per row, none twice');

  // Wide rows (a 500 KB column, even one left unmapped) make smaller batches: at most 4 MB of cells each.
  const wide = Array.from({ length: 12 }, (_, i) => `W${i},Wide,w${i}@example.com,${'x'.repeat(500_000)}`);
  const wideRes = await upload(c, 'wide.csv', `First name,Last name,Email,Notes\n${wide.join('\n')}\n`);
  const wideId = Number((wideRes.headers.location as string).split('/').pop());
  await app.db.updateTable('imports').set({ status: 'running' }).where('id', '=', wideId).execute();
  t.equal(await runBatch(app, wideId, 100), 'more', 'a batch of 100 rows stops at 4 MB of cells');
  t.equal((await app.db.selectFrom('imports').select('next_row').where('id', '=', wideId).executeTakeFirstOrThrow()).next_row, 8, '8 rows of 500 KB');
  t.equal(await runBatch(app, wideId, 100), 'done');
  t.same(await app.db.selectFrom('imports').select(['status', 'created', 'skipped']).where('id', '=', wideId).executeTakeFirstOrThrow(), { status: 'done', created: 12, skipped: 0 }, 'and the rest in the next');
});

t.test('bulk creates: the same email twice in one batch, each duplicate mode; one refused create leaves the others in', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const csv = 'First name,Last name,Email,Phone\nAda,One,same@example.com,1\nBob,Two,other@example.com,2\nAda,Again,SAME@example.com,3\n';
  const run = async (duplicates: string) => {
    const res = await upload(c, `${duplicates}.csv`, csv);
    const id = Number((res.headers.location as string).split('/').pop());
    await c.get(`/import/${id}`);
    await c.post(`/import/${id}/mapping`, { col_0: 'first_name', col_1: 'last_name', col_2: 'email', col_3: 'phone', duplicates, unknownValues: 'empty', start: '1' });
    await app.imports.settle(id);
    return app.db.selectFrom('import_results').select(['n', 'outcome', 'entity_id', 'reason']).where('import_id', '=', id).orderBy('n').execute();
  };
  const skip = await run('skip');
  t.same(skip.map((r) => r.outcome), ['created', 'created', 'skipped'], 'skip: the second "same" is a duplicate of the first, made in the same batch');
  t.equal(skip[2].entity_id, skip[0].entity_id, '… and points at it');
  const mine = await app.db.selectFrom('contacts').select(['id', 'first_name', 'last_name', 'version']).where(sql<boolean>`lower(email) = 'same@example.com'`).execute();
  t.same(mine.map((m) => m.last_name), ['One']);
  const created = await app.db.selectFrom('audit_entries').select(['entity_id', 'action', 'changes']).where('entity_type', '=', 'contact').where('action', 'in', ['created', 'imported']).where('entity_id', 'in', [skip[0].entity_id!, skip[1].entity_id!]).execute();
  t.same(created.map((e) => e.action), ['created', 'created'], 'each bulk-created contact has one "created" entry …');
  t.ok(created.every((e) => JSON.parse(e.changes!).file[1] === 'skip.csv'), '… naming the file it came from');
  const update = await run('update');
  t.same(update.map((r) => r.outcome), ['updated', 'updated', 'updated'], 'update: every row updates the contact already in');
  t.same((await app.db.selectFrom('contacts').select(['last_name', 'phone', 'version']).where('id', '=', mine[0].id).executeTakeFirstOrThrow()), { last_name: 'Again', phone: '3', version: 3 }, 'the last row wins, each update versioned');

  // The bulk service checks each contact as the form does: one it refuses is not written, the others are.
  const { createContacts } = await import('../../../src/features/contacts/contacts.service.js');
  const { scopeFor } = await import('../../../src/lib/access.js');
  const scope = await scopeFor(app.db, { id: admin.id, name: admin.name, email: admin.email, role: 'admin', timeZone: 'UTC', sessionId: '' });
  const input = (first: string, company_id: number | null) => ({ first_name: first, last_name: 'Bulk', position: null, email: null, phone: null, company_id, assigned_to: null });
  const out = await app.db.transaction().execute((trx) => createContacts(trx, scope, [{ input: input('A', null), values: {} }, { input: input('B', 999999), values: {} }, { input: input('C', null), values: {} }]));
  t.type(out[0], 'number');
  t.match(out[1], { fieldErrors: { company_id: 'Choose a company from the list.' } }, 'an unknown company: refused with the form\'s message');
  t.type(out[2], 'number');
  t.ok((out[2] as number) > (out[0] as number), 'ids in the order given');
  t.same((await app.db.selectFrom('contacts').select('first_name').where('last_name', '=', 'Bulk').orderBy('id').execute()).map((r) => r.first_name), ['A', 'C']);
});

t.test('revert: deletes what the import created, puts back what it updated; refused, with the list, after a later edit', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const kept = await makeContact(app, admin, { first_name: 'Ada', last_name: 'Byron', email: 'ada@example.com', phone: '+44 0' });
  const run = async (csv: string, duplicates = 'update') => {
    const res = await upload(c, 'people.csv', csv);
    const id = Number((res.headers.location as string).split('/').pop());
    await c.get(`/import/${id}`);
    await c.post(`/import/${id}/mapping`, { col_0: 'first_name', col_1: 'last_name', col_2: 'email', col_3: 'company', duplicates, unknownValues: 'create', start: '1' });
    await app.imports.settle(id);
    return id;
  };
  const id = await run('First,Last,Email,Company\nAda,Lovelace,ada@example.com,Engines Ltd\nGrace,Hopper,grace@example.com,Navy Labs\n');
  const count = async (table: 'contacts' | 'companies') => Number((await app.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  t.same([await count('contacts'), await count('companies')], [2, 2], 'one created, one updated, two companies made');
  await c.get(`/import/${id}`);
  const reverted = await c.post(`/import/${id}/revert`, {});
  t.equal(reverted.statusCode, 303);
  t.same([await count('contacts'), await count('companies')], [1, 0], 'the created contact and companies are gone');
  const ada = await app.db.selectFrom('contacts').selectAll().where('id', '=', kept).executeTakeFirstOrThrow();
  t.same([ada.last_name, ada.email, ada.phone, ada.company_id], ['Byron', 'ada@example.com', '+44 0', null], 'the updated contact is as it was');
  t.match((await c.get(`/import/${id}`)).body, /<h2>Reverted<\/h2>/);
  t.equal((await c.post(`/import/${id}/revert`, {})).statusCode, 303, 'a second revert does nothing');
  t.same([await count('contacts'), await count('companies')], [1, 0]);

  // Again, then someone edits an imported contact: revert refuses and lists it, nothing changes.
  const id2 = await run('First,Last,Email,Company\nAda,Lovelace,ada@example.com,\nGrace,Hopper,grace@example.com,\n');
  const grace = await app.db.selectFrom('contacts').select(['id', 'version']).where('email', '=', 'grace@example.com').executeTakeFirstOrThrow();
  await app.db.updateTable('contacts').set({ position: 'Admiral', version: grace.version + 1 }).where('id', '=', grace.id).execute();
  await c.get(`/import/${id2}`);
  const refused = await c.post(`/import/${id2}/revert`, {});
  t.equal(refused.statusCode, 409);
  t.match(refused.body, /Nothing was reverted/);
  t.match(refused.body, new RegExp(`href="/contacts/${grace.id}">Grace Hopper</a>`), 'the changed record is listed');
  t.equal(await count('contacts'), 2, 'nothing reverted');
  t.equal((await app.db.selectFrom('contacts').select('last_name').where('id', '=', kept).executeTakeFirstOrThrow()).last_name, 'Lovelace');
});

t.test('companies: mapped by other CRMs\' names, duplicates by name, industries by name (new ones created), a bad website skipped, revert', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const hooli = await makeCompany(app, admin, { name: 'Hooli', city: 'Palo Alto' });
  const template = readCsv(Buffer.from((await c.get('/import/template/company.csv')).body));
  t.notOk(autoMap(template.headers, companyImporter.fields).includes(''), 'the companies template maps itself');
  const csv = 'Account Name,Website,Billing City,Industry,Employees\nhooli,hooli.example,Mountain View,Technology,Large\nPied Piper,piedpiper.example,Palo Alto,Compression,Small\nRaviga,not a website!,Menlo Park,,\n';
  const res = await postFile(c, '/import', { entity: 'company' }, { name: 'accounts.csv', content: csv });
  const id = Number((res.headers.location as string).split('/').pop());
  const page = await c.get(`/import/${id}`);
  for (const [i, key] of ['name', 'website', 'city', 'industry', 'size'].entries()) t.match(page.body, new RegExp(`name="col_${i}">[\\s\\S]*?<option value="${key}" selected>`), `column ${i} → ${key}`);
  t.match(page.body, /Industries and sizes not in Orchard \(\d\)/);
  t.match(page.body, /Line 4:<\/strong> Enter a website like example\.com\./);
  await c.post(`/import/${id}/mapping`, { col_0: 'name', col_1: 'website', col_2: 'city', col_3: 'industry', col_4: 'size', duplicates: 'update', unknownValues: 'create', start: '1' });
  await app.imports.settle(id);
  const imp = await app.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  t.same([imp.created, imp.updated, imp.skipped], [1, 1, 1]);
  const updated = await app.db.selectFrom('companies').selectAll().where('id', '=', hooli).executeTakeFirstOrThrow();
  t.same([updated.name, updated.city, updated.website], ['hooli', 'Mountain View', 'https://hooli.example'], 'the existing company (same name, other case) updated');
  const piper = await app.db.selectFrom('companies as co').innerJoin('industries as i', 'i.id', 'co.industry_id').select(['i.name']).where('co.name', '=', 'Pied Piper').executeTakeFirstOrThrow();
  t.equal(piper.name, 'Compression', 'the new industry created and used');
  await c.get(`/import/${id}`);
  t.equal((await c.post(`/import/${id}/revert`, {})).statusCode, 303);
  t.same((await app.db.selectFrom('companies').select(['name', 'city']).execute()), [{ name: 'Hooli', city: 'Palo Alto' }], 'reverted: Pied Piper gone, Hooli as it was');
});

t.test('customers: duplicates by email, company and group by name, revert', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const now = new Date().toISOString();
  const gold = (await app.db.insertInto('customer_groups').values({ name: 'Gold', code: 'GOLD', priority: 1, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow()).id;
  const csv = 'Customer Name,E-mail,Account Name,Segment\nAda Lovelace,ada@example.com,Engines Ltd,gold\nGrace Hopper,grace@example.com,,Platinum\n,nobody@example.com,,\n';
  const res = await postFile(c, '/import', { entity: 'customer' }, { name: 'customers.csv', content: csv });
  const id = Number((res.headers.location as string).split('/').pop());
  const page = await c.get(`/import/${id}`);
  t.match(page.body, /Line 4:<\/strong> Name is required\./, 'a nameless customer is refused by the customer form\'s rule');
  await c.post(`/import/${id}/mapping`, { col_0: 'name', col_1: 'email', col_2: 'company', col_3: 'group', duplicates: 'skip', unknownValues: 'create', start: '1' });
  await app.imports.settle(id);
  const rows = await app.db.selectFrom('customers as k').leftJoin('companies as co', 'co.id', 'k.company_id').select(['k.name', 'k.customer_group_id', 'co.name as company']).orderBy('k.name').execute();
  t.same(rows, [{ name: 'Ada Lovelace', customer_group_id: gold, company: 'Engines Ltd' }, { name: 'Grace Hopper', customer_group_id: null, company: null }], 'group by name (case-insensitive); an unknown group left empty');
  await c.get(`/import/${id}`);
  t.equal((await c.post(`/import/${id}/revert`, {})).statusCode, 303);
  t.equal((await app.db.selectFrom('customers').select('id').execute()).length, 0);
  t.equal((await app.db.selectFrom('companies').select('id').execute()).length, 0, 'the company made for Ada is gone too');
});

t.test('leads: mapped by other CRMs\' names, value as money, source made by name, status by name, duplicates by contact email, revert', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const csv = 'Lead Name,Full Name,Email,Amount,Lead Source,Lead Status\nWebsite redesign,Ada Lovelace,ada@example.com,"12,000.50",Trade show,Contacted\nPilot,Grace Hopper,grace@example.com,abc,,\nAgain,Ada L.,ADA@example.com,1,,\n';
  const res = await postFile(c, '/import', { entity: 'lead' }, { name: 'leads.csv', content: csv });
  const id = Number((res.headers.location as string).split('/').pop());
  const page = await c.get(`/import/${id}`);
  for (const [i, key] of ['title', 'contact_name', 'contact_email', 'value', 'source', 'status'].entries()) t.match(page.body, new RegExp(`name="col_${i}">[\\s\\S]*?<option value="${key}" selected>`), `column ${i} → ${key}`);
  t.match(page.body, /Line 3:<\/strong> Enter an amount like 12000/, 'a bad value is refused by the lead form\'s rule');
  t.match(page.body, /Line 4:<\/strong> Already in Orchard \(same email\)/, 'a second row with the same email in the file is a duplicate of the first');
  await c.post(`/import/${id}/start`, {});
  await app.imports.settle(id);
  const lead = await app.db.selectFrom('leads as l').innerJoin('lead_statuses as s', 's.id', 'l.lead_status_id').leftJoin('lead_sources as src', 'src.id', 'l.lead_source_id').select(['l.title', 'l.value_cents', 's.name as status', 'src.name as source']).executeTakeFirstOrThrow();
  t.same(lead, { title: 'Website redesign', value_cents: 1_200_050, status: 'Contacted', source: 'Trade show' });
  const imp = await app.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  t.same([imp.created, imp.updated, imp.skipped], [1, 0, 2]);
  await c.get(`/import/${id}`);
  t.equal((await c.post(`/import/${id}/revert`, {})).statusCode, 303);
  t.equal((await app.db.selectFrom('leads').select('id').execute()).length, 0, 'reverted');
});

t.test('a rep imports among what they may see and edit: hidden records are not matched, others\' records are not updated', async (t) => {
  const { app } = await buildTestApp(t);
  const ann = await makeUser(app, { name: 'Ann Rep' });
  const bob = await makeUser(app, { name: 'Bob Rep' });
  const bobs = await makeContact(app, bob, { first_name: 'Ada', last_name: 'Byron', email: 'ada@example.com', assigned_to: bob.id });
  await makeCompany(app, bob, { name: 'Secret Co', assigned_to: bob.id });
  const a = await loginAs(app, ann);
  const run = async () => {
    const res = await upload(a, 'mine.csv', 'First,Last,Email,Company\nAda,Lovelace,ada@example.com,Secret Co\n');
    const id = Number((res.headers.location as string).split('/').pop());
    const page = await a.get(`/import/${id}`);
    await a.post(`/import/${id}/mapping`, { col_0: 'first_name', col_1: 'last_name', col_2: 'email', col_3: 'company', duplicates: 'update', unknownValues: 'empty', start: '1' });
    await app.imports.settle(id);
    return { page, imp: await app.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow(), id };
  };
  // Everyone sees everything, but Ann may not edit Bob's contact: that row is skipped with why.
  const shared = await run();
  t.same([shared.imp.status, shared.imp.updated, shared.imp.skipped], ['done', 0, 1]);
  t.match((await a.get(`/import/${shared.id}`)).body, /Line 2:<\/strong> [^<]*(assigned|edit|permission)/i, 'the refusal is the row\'s reason');
  t.equal((await app.db.selectFrom('contacts').select('last_name').where('id', '=', bobs).executeTakeFirstOrThrow()).last_name, 'Byron', 'Bob\'s contact untouched');
  // Own visibility: Bob's contact and company do not exist for Ann — a new contact, no company leaked.
  await setSetting(app.db, 'rep_visibility', 'own');
  const own = await run();
  t.match(own.page.body, /id="count-update">0</, 'Bob\'s contact is not offered as a duplicate');
  t.match(own.page.body, /Companies not in Orchard \(1\)/, 'Bob\'s company is unknown to Ann');
  t.same([own.imp.status, own.imp.created, own.imp.updated], ['done', 1, 0]);
  t.equal((await app.db.selectFrom('contacts').select('last_name').where('id', '=', bobs).executeTakeFirstOrThrow()).last_name, 'Byron');
});

t.test('deals: pipeline and stage by name (empty: the default pipeline\'s first stage), stage rules applied, unknown names refused, revert', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const csv = 'Deal Name,Amount,Pipeline,Deal Stage,Close Date,Account Name\nBig one,"25,000",sales,won,2026-12-31,Engines Ltd\nSmall one,500,,,,\nLost cause,1,Sales,Nowhere,,\nBad date,1,,,31/12/2026,\nElsewhere,1,Marketing,,,\n';
  const res = await postFile(c, '/import', { entity: 'deal' }, { name: 'deals.csv', content: csv });
  const id = Number((res.headers.location as string).split('/').pop());
  const page = await c.get(`/import/${id}`);
  for (const [i, key] of ['title', 'value', 'pipeline', 'stage', 'expected_close_date', 'company'].entries()) t.match(page.body, new RegExp(`name="col_${i}">[\\s\\S]*?<option value="${key}" selected>`), `column ${i} → ${key}`);
  t.notMatch(page.body, /is already in Orchard<\/span>/, 'no duplicates choice for deals');
  t.match(page.body, /Line 4:<\/strong> No stage called “Nowhere” in this pipeline\./);
  t.match(page.body, /Line 5:<\/strong> Enter a date like 2026-06-30\./);
  t.match(page.body, /Line 6:<\/strong> No active pipeline called “Marketing”\./);
  await c.post(`/import/${id}/start`, {});
  await app.imports.settle(id);
  const { by } = await stagesOf(app);
  const deals = await app.db.selectFrom('deals as d').leftJoin('companies as co', 'co.id', 'd.company_id').select(['d.title', 'd.value_cents', 'd.stage_id', 'd.actual_close_date', 'd.probability', 'co.name as company']).orderBy('d.title').execute();
  t.equal(deals.length, 2);
  t.same([deals[0].title, deals[0].value_cents, deals[0].stage_id, deals[0].company], ['Big one', 2_500_000, by('Won').id, 'Engines Ltd']);
  t.ok(deals[0].actual_close_date, 'the won stage\'s rule set the close date');
  t.same([deals[1].title, deals[1].stage_id], ['Small one', by('Lead').id], 'empty pipeline and stage: the default pipeline\'s first stage');
  t.equal((await app.db.selectFrom('deal_stage_history').select('id').execute()).length, 2, 'each has its stage history');
  await c.get(`/import/${id}`);
  t.equal((await c.post(`/import/${id}/revert`, {})).statusCode, 303);
  t.equal((await app.db.selectFrom('deals').select('id').execute()).length, 0, 'reverted');
  t.equal((await app.db.selectFrom('companies').select('id').execute()).length, 0);
});

t.test('vCard: Outlook 2.1, Apple/Google 3.0 and 4.0 files import as contacts; export → import gives the same contacts; one card per contact page', async (t) => {
  const fs = await import('node:fs');
  const { readVcards } = await import('../../../src/features/import/import.vcard.js');
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const sample = (name: string) => fs.readFileSync(new URL(`../../fixtures/vcard/${name}`, import.meta.url));
  const importFile = async (name: string, content: Buffer | string, over: Record<string, string> = {}) => {
    const res = await postFile(c, '/import', { entity: 'company', ...over }, { name, content });
    t.equal(res.statusCode, 303, `${name} uploaded`);
    const id = Number((res.headers.location as string).split('/').pop());
    const page = await c.get(`/import/${id}`);
    t.match(page.body, /one row per card/);
    t.match(page.body, /<option value="email" selected>Email<\/option>/, 'the card fields are mapped like a CSV export');
    await c.post(`/import/${id}/start`, {});
    await app.imports.settle(id);
    return app.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  };
  const people = () =>
    app.db
      .selectFrom('contacts as p')
      .leftJoin('companies as co', 'co.id', 'p.company_id')
      .select(['p.first_name', 'p.last_name', 'p.email', 'p.phone', 'p.position', 'co.name as company'])
      .orderBy('p.email')
      .execute();

  const outlook = await importFile('Outlook.vcf', sample('outlook-2.1.vcf'));
  t.same([outlook.entity_type, outlook.created, outlook.skipped], ['contact', 2, 0], 'a .vcf imports as contacts, whatever kind was picked');
  await importFile('apple.vcf', sample('apple-google-3.0.vcf'));
  await importFile('card.vcf', sample('rfc-4.0.vcf'));
  const all = await people();
  t.same(
    all.find((p) => p.email === 'juergen.mueller@baeckerei.example'),
    { first_name: 'Jürgen', last_name: 'Müller', email: 'juergen.mueller@baeckerei.example', phone: '+49 30 1234567', position: 'Leiter Einkauf & Logistik', company: 'Bäckerei Schön GmbH' },
    '2.1: quoted-printable in Windows-1252 decoded, a soft line break joined, the work phone, the organisation without its unit',
  );
  t.same(
    all.find((p) => p.email === 'le@songhong.example'),
    { first_name: 'Lê Văn', last_name: 'Ng', email: 'le@songhong.example', phone: '+84 90 123 4567', position: 'Director, Sales', company: 'Sông Hồng, Ltd.' },
    '3.0: escapes read, the preferred email of two',
  );
  t.same(
    all.find((p) => p.email === 'zoe@fjord.example'),
    { first_name: 'Zoë', last_name: 'Ångström', email: 'zoe@fjord.example', phone: '+47-22-00-00-00', position: 'CTO', company: 'Fjord; Partners AS' },
    '4.0: PREF=1, a tel: URI, an escaped semicolon',
  );
  t.equal(all.length, 5);

  // Export the list, delete everyone, import the export: the same contacts.
  const exported = await c.get('/contacts/export.vcf');
  t.equal(exported.statusCode, 200);
  t.match(exported.headers['content-type'], /^text\/vcard/);
  t.equal((exported.body.match(/BEGIN:VCARD\r\nVERSION:3\.0\r\n/g) ?? []).length, 5, 'five vCard 3.0 cards, CRLF lines');
  t.match(exported.body, /ORG:Sông Hồng\\, Ltd\./, 'commas escaped by the writer');
  t.equal(readVcards(Buffer.from(exported.body)).rows.length, 5);
  const filtered = await c.get('/contacts/export.vcf?q=Zo%C3%AB');
  t.equal((filtered.body.match(/BEGIN:VCARD/g) ?? []).length, 1, 'the export follows the list filters');
  await sql`delete from deal_contacts`.execute(app.db);
  await sql`delete from contacts`.execute(app.db);
  const again = await importFile('contacts.vcf', exported.body);
  t.same([again.created, again.skipped], [5, 0]);
  t.same(await people(), all, 'export → import gives the same contacts');

  // One contact's card from its page; a rep with own visibility gets none of another's.
  const zoe = (await app.db.selectFrom('contacts').select('id').where('email', '=', 'zoe@fjord.example').executeTakeFirstOrThrow()).id;
  const one = await c.get(`/contacts/${zoe}/vcard`);
  t.equal(one.statusCode, 200);
  t.match(one.headers['content-disposition'], /filename="Zoë Ångström\.vcf"|filename="Zo/);
  t.match(one.body, /FN:Zoë Ångström\r\nN:Ångström;Zoë;;;/);
  t.match((await c.get(`/contacts/${zoe}`)).body, new RegExp(`/contacts/${zoe}/vcard`), 'the contact page offers it');
  await setSetting(app.db, 'rep_visibility', 'own');
  const rep = await makeUser(app, { email: 'rep@orchard.test' });
  const r = await loginAs(app, rep);
  t.equal((await r.get(`/contacts/${zoe}/vcard`)).statusCode, 404);
  t.equal((await r.get('/contacts/export.vcf')).body, '', "a rep's export holds only their contacts (none)");
  t.equal((await c.get('/contacts/abc/vcard')).statusCode, 404);

  // Not a vCard inside: a message by the field.
  const bad = await postFile(c, '/import', { entity: 'contact' }, { name: 'broken.vcf', content: 'hello, this is not a card' });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /no vCards in it/);
});

/* ---------- duplicates (one file per area: tap starts a process per file) ---------- */
const count = async (app: Awaited<ReturnType<typeof buildTestApp>>['app'], q: string) => Number(((await sql.raw(q).execute(app.db)).rows[0] as { n: number }).n);
const versionOf = async (app: Awaited<ReturnType<typeof buildTestApp>>['app'], table: string, id: number) =>
  Number(((await sql.raw(`select version as n from ${table} where id = ${id}`).execute(app.db)).rows[0] as { n: number }).n);
const orphans = async (app: Awaited<ReturnType<typeof buildTestApp>>['app']) => (await sql.raw('pragma foreign_key_check').execute(app.db)).rows.length;

t.test('the finder groups by normalized email, phone digits, name and website domain, and pages through groups', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const a = await makeContact(app, admin, { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', phone: '+44 20 7946 0000' });
  const b = await makeContact(app, admin, { first_name: 'ADA', last_name: 'lovelace', email: ' Ada@Example.com', phone: '020-7946-0000' });
  await makeContact(app, admin, { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com', phone: '12' });
  const acme = await makeCompany(app, admin, { name: 'Acme Robotics', website: 'https://acme.example' });
  const acmeInc = await makeCompany(app, admin, { name: 'ACME Robotics, Inc.', website: 'http://www.acme.example/about' });
  await makeCompany(app, admin, { name: 'Robotics Acme' });
  const c = await loginAs(app, admin);

  const email = await c.get('/duplicates?kind=contacts&by=email');
  t.equal(email.statusCode, 200);
  t.match(email.body, /Same email:<\/span> ada@example\.com/, 'email lower-cased and trimmed');
  t.match(email.body, new RegExp(`name="ids" value="${a}"[^>]*checked`), 'the first two of a group are ticked');
  t.match(email.body, new RegExp(`name="ids" value="${b}"[^>]*checked`));
  t.notMatch(email.body, /Grace/, 'a record without a twin is not listed');
  const phone = await c.get('/duplicates?kind=contacts&by=phone');
  t.match(phone.body, /Same phone:<\/span> 079460000/, 'the last nine digits meet across formats and prefixes');
  t.notMatch(phone.body, /Same phone:<\/span> 12</, 'too few digits to be a phone number');
  t.match((await c.get('/duplicates?kind=contacts&by=name')).body, /Same name:<\/span> ada lovelace/);

  const names = await c.get('/duplicates?kind=companies&by=name');
  t.match(names.body, /Same name:<\/span> acme robotics/, 'punctuation and the legal form are left out');
  t.match(names.body, new RegExp(`/companies/${acmeInc}"`));
  t.notMatch(names.body, /Robotics Acme/);
  const web = await c.get('/duplicates?kind=companies&by=website');
  t.match(web.body, /Same website:<\/span> acme\.example/, 'scheme, www and path are left out');
  t.match(web.body, new RegExp(`/companies/${acme}"`));
  t.match((await c.get('/duplicates?kind=customers')).body, /No likely duplicates here/);
  t.match((await c.get('/duplicates?kind=leads&by=phone')).body, /No likely duplicates here/);

  // Many groups: 20 per page, in key order; members capped with "and N more".
  for (let i = 0; i < 25; i++) {
    await makeContact(app, admin, { first_name: 'Twin', last_name: `N${String(i).padStart(2, '0')}` });
    await makeContact(app, admin, { first_name: 'Twin', last_name: `N${String(i).padStart(2, '0')}` });
  }
  for (let i = 0; i < 10; i++) await makeContact(app, admin, { first_name: 'Zed', last_name: 'Many' });
  const p1 = await c.get('/duplicates?kind=contacts&by=name');
  t.match(p1.body, /27 groups of contacts/);
  t.equal((p1.body.match(/class="panel dup-group"/g) ?? []).length, 20);
  const p2 = await c.get('/duplicates?kind=contacts&by=name&page=2');
  t.match(p2.body, /And 2 more/, 'a group of ten shows eight and says how many more');
  t.equal((await c.get('/duplicates?kind=contacts&by=name&page=99')).statusCode, 200, 'a page past the end shows the last');
  t.equal((await c.get('/duplicates?kind=nonsense&by=%00&page=-4')).statusCode, 200, 'any query string is answered');
  t.equal((await c.get('/duplicates?kind=companies')).body.includes('Same name'), true);
});

t.test('merging two contacts: picked values kept, deals, tasks, notes and timeline moved, the other deleted — one transaction', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const rep = await makeUser(app, { name: 'Rita Rep', email: 'rita@orchard.test' });
  const co = await makeCompany(app, admin, { name: 'Hooli' });
  const keep = await makeContact(app, admin, { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', company_id: co });
  const drop = await makeContact(app, admin, { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@work.example', phone: '+44 1234 5678', position: 'CTO', assigned_to: rep.id });
  const shared = await makeDeal(app, admin, { title: 'Both on it', contact_ids: [keep, drop] });
  const dealOfDrop = await makeDeal(app, admin, { title: 'Only the twin', contact_ids: [drop] });
  const task = await makeTask(app, admin, { title: 'Call the twin' }, { type: 'contact', id: drop });
  const c = await loginAs(app, admin);
  t.equal((await c.post(`/contacts/${drop}/notes`, { body: 'Met at the fair' })).statusCode < 400, true);

  const page = await c.get(`/duplicates/merge?kind=contacts&ids=${keep}&ids=${drop}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /2 deals, 1 task, 1 note/, 'what hangs on each record is shown');
  t.match(page.body, new RegExp(`name="pick_phone" value="${drop}" checked`), 'an empty field on the survivor takes the other value by default');
  t.match(page.body, new RegExp(`name="pick_email" value="${keep}" checked`));

  const form = {
    kind: 'contacts',
    ids: [String(keep), String(drop)],
    keep: String(keep),
    [`version_${keep}`]: String(await versionOf(app, 'contacts', keep)),
    [`version_${drop}`]: String(await versionOf(app, 'contacts', drop)),
    pick_email: String(drop),
    pick_phone: String(drop),
    pick_position: String(drop),
    pick_company_id: String(keep),
    pick_assigned_to: String(drop),
  };
  // Stale: the other record changed since the page was shown → 409, nothing merged.
  const stale = await c.post('/duplicates/merge', { ...form, [`version_${drop}`]: '0' });
  t.equal(stale.statusCode, 409);
  t.match(stale.body, /changed by someone else/);
  t.equal(await count(app, `select count(*) n from contacts where id = ${drop}`), 1);

  const res = await c.post('/duplicates/merge', form);
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, `/contacts/${keep}`);
  const kept = await app.db.selectFrom('contacts').selectAll().where('id', '=', keep).executeTakeFirstOrThrow();
  t.same([kept.email, kept.phone, kept.position, kept.company_id, kept.assigned_to], ['ada@work.example', '+44 1234 5678', 'CTO', co, rep.id], 'the picked values');
  t.equal(await count(app, `select count(*) n from contacts where id = ${drop}`), 0, 'the other is gone');
  t.same(
    (await app.db.selectFrom('deal_contacts').select(['deal_id', 'contact_id']).orderBy('deal_id').execute()).map((r) => [r.deal_id, r.contact_id]),
    [[shared, keep], [dealOfDrop, keep]],
    'deal contacts re-pointed; a deal both were on keeps one line',
  );
  t.equal(await count(app, `select count(*) n from tasks where id = ${task} and entity_type = 'contact' and entity_id = ${keep}`), 1, 'the task moved');
  t.equal(await count(app, `select count(*) n from notes where entity_type = 'contact' and entity_id = ${keep}`), 1, 'the note moved');
  t.equal(await count(app, `select count(*) n from audit_entries where entity_type = 'contact' and entity_id = ${drop} and action <> 'merged_into'`), 0, 'the timeline moved');
  t.equal(await count(app, `select count(*) n from audit_entries where entity_type = 'deal' and entity_id = ${dealOfDrop} and action = 'updated' and changes like '%contacts%'`), 1, 'the deal says its contact changed');
  t.equal(await orphans(app), 0, 'no foreign key points at nothing');
  const show = await c.get(`/contacts/${keep}`);
  t.match(show.body, /merged a duplicate into this contact/);
  t.match(show.body, /Met at the fair/);
  t.match(show.body, /Call the twin/);
  // The rep's notice about the other record moved with it, and the reassignment wrote one, as a form does.
  t.equal(await count(app, `select count(*) n from notifications where user_id = ${rep.id} and entity_type = 'contact' and entity_id = ${keep}`), 2);

  // Merged records cannot be merged again.
  t.equal((await c.post('/duplicates/merge', form)).statusCode, 404);
  t.equal((await c.get(`/duplicates/merge?kind=contacts&ids=${keep}`)).statusCode, 303, 'one record is not a pair');
});

t.test('merging companies, customers and leads re-points every table; a bad pick answers 422 and writes nothing', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const post = async (kind: string, table: string, keep: number, drop: number, picks: Record<string, number> = {}) =>
    c.post('/duplicates/merge', {
      kind,
      ids: [String(keep), String(drop)],
      keep: String(keep),
      [`version_${keep}`]: String(await versionOf(app, table, keep)),
      [`version_${drop}`]: String(await versionOf(app, table, drop)),
      ...Object.fromEntries(Object.entries(picks).map(([k, v]) => [`pick_${k}`, String(v)])),
    });

  // Companies: contacts, customers, deals and leads move.
  const acme = await makeCompany(app, admin, { name: 'Acme', email: 'a@acme.example' });
  const acme2 = await makeCompany(app, admin, { name: 'Acme Inc', email: 'hello@acme.example', city: 'Lyon' });
  const person = await makeContact(app, admin, { company_id: acme2 });
  const cust = await makeCustomer(app, admin, { name: 'Acme billing', company_id: acme2 });
  const deal = await makeDeal(app, admin, { company_id: acme2 });
  const leadId = await makeLead(app, admin, { title: 'Acme lead' });
  await app.db.updateTable('leads').set({ company_id: acme2 }).where('id', '=', leadId).execute();
  const res = await post('companies', 'companies', acme, acme2, { email: acme2, city: acme2 });
  t.equal(res.statusCode, 303);
  const kept = await app.db.selectFrom('companies').selectAll().where('id', '=', acme).executeTakeFirstOrThrow();
  t.same([kept.name, kept.email, kept.city], ['Acme', 'hello@acme.example', 'Lyon'], "the other's email is free once it is gone");
  t.equal(await count(app, `select count(*) n from contacts where id = ${person} and company_id = ${acme}`), 1);
  t.equal(await count(app, `select count(*) n from customers where id = ${cust} and company_id = ${acme}`), 1);
  t.equal(await count(app, `select count(*) n from deals where id = ${deal} and company_id = ${acme}`), 1);
  t.equal(await count(app, `select count(*) n from leads where id = ${leadId} and company_id = ${acme}`), 1);
  t.equal(await count(app, `select count(*) n from audit_entries where entity_type = 'contact' and entity_id = ${person} and changes like '%company_id%${acme}%'`), 1, "the contact's timeline says it moved");
  t.equal(await count(app, `select count(*) n from contacts where id = ${person} and company_sort = 'Acme'`), 1, 'kept sort keys follow (triggers)');
  t.equal(await orphans(app), 0);

  // Customers: deals move.
  const k1 = await makeCustomer(app, admin, { name: 'Zed Ltd' });
  const k2 = await makeCustomer(app, admin, { name: 'Zed Limited' });
  const d2 = await makeDeal(app, admin, { customer_id: k2 });
  t.equal((await post('customers', 'customers', k1, k2)).statusCode, 303);
  t.equal(await count(app, `select count(*) n from deals where id = ${d2} and customer_id = ${k1}`), 1);

  // Leads: a converted lead is not merged into an unconverted one (409 with what to do).
  const l1 = await makeLead(app, admin, { title: 'First', contact_name: 'Bo Diddley' });
  const l2 = await makeLead(app, admin, { title: 'Second', contact_name: 'Bo Diddley', value: 5000 });
  await app.db.updateTable('leads').set({ converted_at: new Date().toISOString() }).where('id', '=', l2).execute();
  const refused = await post('leads', 'leads', l1, l2);
  t.equal(refused.statusCode, 409);
  t.match(refused.body, /Keep the converted lead/);
  t.equal((await post('leads', 'leads', l2, l1, { title: l1 })).statusCode, 303, 'the other way round it merges');
  t.equal((await app.db.selectFrom('leads').select('title').where('id', '=', l2).executeTakeFirstOrThrow()).title, 'First');

  // A pick that makes the survivor invalid (a contact with neither name): 422 by the field, nothing written.
  const p1 = await makeContact(app, admin, { first_name: 'Solo', last_name: null });
  const p2 = await makeContact(app, admin, { first_name: null, last_name: 'Only' });
  const bad = await post('contacts', 'contacts', p1, p2, { first_name: p2, last_name: p1 });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /Enter a first or a last name/);
  t.match(bad.body, new RegExp(`name="pick_first_name" value="${p2}" checked`), 'the form keeps what was picked');
  t.equal(await count(app, `select count(*) n from contacts where id in (${p1}, ${p2})`), 2, 'nothing half-written');
});

t.test('visibility: a rep with own visibility finds and merges only what they may see and edit', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const rita = await makeUser(app, { name: 'Rita Rep', email: 'rita@orchard.test' });
  const sam = await makeUser(app, { name: 'Sam Rep', email: 'sam@orchard.test' });
  await setSetting(app.db, 'rep_visibility', 'own');
  const mine1 = await makeContact(app, admin, { first_name: 'Kim', last_name: 'Mine', email: 'kim@example.com', assigned_to: rita.id });
  const mine2 = await makeContact(app, admin, { first_name: 'Kim', last_name: 'Mine', email: 'kim@example.com', assigned_to: rita.id });
  const theirs = await makeContact(app, admin, { first_name: 'Kim', last_name: 'Mine', email: 'kim@example.com', assigned_to: sam.id });
  const c = await loginAs(app, rita);
  const page = await c.get('/duplicates?kind=contacts&by=email');
  t.match(page.body, /2 contacts<\/span>/, "the group counts only Rita's two");
  t.notMatch(page.body, new RegExp(`value="${theirs}"`), "Sam's contact is not shown");
  t.equal((await c.get(`/duplicates/merge?kind=contacts&ids=${mine1}&ids=${theirs}`)).statusCode, 404, 'nor offered for a merge');
  const res = await c.post('/duplicates/merge', {
    kind: 'contacts', ids: [String(mine1), String(theirs)], keep: String(mine1),
    [`version_${mine1}`]: '1', [`version_${theirs}`]: '1',
  });
  t.equal(res.statusCode, 404, 'a forged merge with a record the rep cannot see is refused');
  t.equal(await count(app, `select count(*) n from contacts where id = ${theirs}`), 1);
  const ok = await c.post('/duplicates/merge', {
    kind: 'contacts', ids: [String(mine1), String(mine2)], keep: String(mine1),
    [`version_${mine1}`]: '1', [`version_${mine2}`]: '1',
  });
  t.equal(ok.statusCode, 303, 'her own two merge');
  const noCsrf = await c.post('/duplicates/merge', { kind: 'contacts', ids: [String(mine1), String(theirs)] }, { csrf: false });
  t.equal(noCsrf.statusCode, 403, 'CSRF protected');
});
