import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeCompany, makeContact, makeCustomer, makeDeal, makeUser, stagesOf } from '../../helpers/factories.js';
import { todayIso } from '../../../src/lib/time.js';
import { enterStage, initialStage, isOverdue, isRotting, parseDealKey, stageMismatch, weightedValue } from '../../../src/features/deals/deals.rules.js';
const form = (over: Record<string, string | number | string[]> = {}) => ({
  title: 'Big deal', description: '', value: '12000', expected_close_date: '', probability: '', pipeline_id: '', stage_id: '',
  company_id: '', customer_id: '', assigned_to: '', lost_reason_id: '', lost_reason: '', ...over,
});

const history = (app: Awaited<ReturnType<typeof buildTestApp>>['app'], id: number) =>
  app.db.selectFrom('deal_stage_history').selectAll().where('deal_id', '=', id).orderBy('id').execute();
const deal = (app: Awaited<ReturnType<typeof buildTestApp>>['app'], id: number) => app.db.selectFrom('deals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

t.test('create: only a pipeline → its default stage and that stage\'s probability; history row; contacts linked', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const { pipeline, by } = await stagesOf(app);
  const company = await makeCompany(app, rep, { name: 'Acme' });
  const a = await makeContact(app, rep, { first_name: 'Ann', company_id: company });
  const b = await makeContact(app, rep, { first_name: 'Bob', company_id: company });
  const c = await loginAs(app, rep);
  t.equal((await c.get(`/deals/new?pipeline_id=${pipeline.id}`)).statusCode, 200);
  const res = await c.post('/deals', form({ pipeline_id: pipeline.id, company_id: company, contact_ids: [String(a), String(b)], value: '12,500.50' }));
  t.equal(res.statusCode, 303);
  const id = Number(/\/deals\/(\d+)$/.exec(String(res.headers.location))![1]);
  const d = await deal(app, id);
  t.equal(d.stage_id, by('Lead').id, 'default stage');
  t.equal(d.probability, by('Lead').probability, 'probability from the stage');
  t.equal(d.value_cents, 1_250_050);
  const h = await history(app, id);
  t.equal(h.length, 1);
  t.equal(h[0].from_stage_id, null);
  t.equal(h[0].to_stage_id, by('Lead').id);
  t.equal(h[0].user_id, rep.id);
  const links = await app.db.selectFrom('deal_contacts').select('contact_id').where('deal_id', '=', id).orderBy('contact_id').execute();
  t.same(links.map((l) => l.contact_id), [a, b]);
  const page = await c.get(`/deals/${id}`);
  t.match(page.body, /D-\d+/);
  t.match(page.body, /Ann/);
  t.match((await c.get(`/companies/${company}`)).body, /Big deal/, 'the deal shows on its company');
  t.match((await c.get(`/contacts/${a}`)).body, /Big deal/, 'and on its contacts');
});

t.test('create: validation keeps values; a stage of another pipeline is 422', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const sales = await stagesOf(app);
  const c = await loginAs(app, await makeUser(app, { role: 'manager' }));
  await c.post('/settings/pipelines', { name: 'Renewals', description: '', is_active: '1', is_default: '0' });
  const renewals = await app.db.selectFrom('pipelines').selectAll().where('name', '=', 'Renewals').executeTakeFirstOrThrow();
  await c.post(`/settings/pipelines/${renewals.id}/stages`, { name: 'Upcoming', color: '#94a3b8', probability: '50', rotting_days: '', is_default: '1', is_won: '0', is_lost: '0' });
  const other = await app.db.selectFrom('deal_stages').selectAll().where('pipeline_id', '=', renewals.id).executeTakeFirstOrThrow();
  const rc = await loginAs(app, rep);
  const bad = await rc.post('/deals', form({ title: '', value: '-5', probability: '120', expected_close_date: '2026-02-30', pipeline_id: sales.pipeline.id }));
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /Title is required/);
  t.match(bad.body, /Enter an amount/);
  t.match(bad.body, /from 0 to 100/);
  t.match(bad.body, /Enter a date like/);
  t.match(bad.body, /value="-5"/);
  const cross = await rc.post('/deals', form({ pipeline_id: sales.pipeline.id, stage_id: other.id }));
  t.equal(cross.statusCode, 422);
  t.match(cross.body, /belongs to another pipeline/);
  const count = await app.db.selectFrom('deals').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  t.equal(Number(count.n), 0, 'nothing written');
  const stageOptions = await rc.get(`/deals/stage-options?pipeline_id=${renewals.id}`);
  t.match(stageOptions.body, /Upcoming/, 'the stage select follows the pipeline');
  t.notMatch(stageOptions.body, /Negotiation/);
});

t.test('move: won sets today and 100; lost sets today, 0 and the reason; reopening clears; history per change', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const { by } = await stagesOf(app);
  const id = await makeDeal(app, rep);
  const c = await loginAs(app, rep);
  const today = todayIso();

  t.equal((await c.post(`/deals/${id}/move`, { stage_id: by('Won').id })).statusCode, 303);
  let d = await deal(app, id);
  t.equal(d.actual_close_date, today);
  t.equal(d.probability, 100);

  const price = await app.db.selectFrom('lost_reasons').select('id').where('name', '=', 'Price').executeTakeFirstOrThrow();
  await c.post(`/deals/${id}/move`, { stage_id: by('Lost').id, lost_reason_id: price.id, lost_reason: 'Went with a cheaper tool' });
  d = await deal(app, id);
  t.equal(d.actual_close_date, today);
  t.equal(d.probability, 0);
  t.equal(d.lost_reason_id, price.id);
  t.equal(d.lost_reason, 'Went with a cheaper tool');

  await c.post(`/deals/${id}/move`, { stage_id: by('Proposal').id });
  d = await deal(app, id);
  t.equal(d.actual_close_date, null, 'reopen clears the close date');
  t.equal(d.lost_reason, null, 'and the reason');
  t.equal(d.lost_reason_id, null);
  t.equal(d.probability, by('Proposal').probability);

  const h = await history(app, id);
  t.same(h.map((r) => [r.from_stage_id, r.to_stage_id]), [[null, by('Lead').id], [by('Lead').id, by('Won').id], [by('Won').id, by('Lost').id], [by('Lost').id, by('Proposal').id]]);
  const page = await c.get(`/deals/${id}`);
  t.match(page.body, /Stage:<\/span> <span class="tl-old">Lost<\/span> → <span class="tl-new">Proposal<\/span>/, 'the timeline names the stages');
});

t.test('move to a stage of another pipeline is 422 and changes nothing', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const id = await makeDeal(app, rep);
  const m = await loginAs(app, await makeUser(app, { role: 'admin' }));
  await m.post('/settings/pipelines', { name: 'Other', description: '', is_active: '1', is_default: '0' });
  const other = await app.db.selectFrom('pipelines').selectAll().where('name', '=', 'Other').executeTakeFirstOrThrow();
  await m.post(`/settings/pipelines/${other.id}/stages`, { name: 'Elsewhere', color: '#94a3b8', probability: '50', rotting_days: '', is_default: '1', is_won: '0', is_lost: '0' });
  const stage = await app.db.selectFrom('deal_stages').selectAll().where('pipeline_id', '=', other.id).executeTakeFirstOrThrow();
  const before = await deal(app, id);
  const c = await loginAs(app, rep);
  const res = await c.post(`/deals/${id}/move`, { stage_id: stage.id });
  t.equal(res.statusCode, 422);
  t.match(res.body, /another pipeline/);
  t.same(await deal(app, id), before, 'unchanged');
  t.equal((await history(app, id)).length, 1, 'no history row');
  t.equal((await c.post(`/deals/${id}/move`, { stage_id: 'abc' })).statusCode, 422);
  t.equal((await c.post('/deals/99999/move', { stage_id: stage.id })).statusCode, 404);
});

t.test('htmx move returns the card and both column headers with new totals; plain form gets 303', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const { by } = await stagesOf(app);
  const id = await makeDeal(app, rep, { title: 'Moving deal', value: 500_000 });
  await makeDeal(app, rep, { title: 'Staying deal', value: 100_000 });
  const c = await loginAs(app, rep);
  const res = await c.post(`/deals/${id}/move`, { stage_id: by('Proposal').id }, { headers: { 'hx-request': 'true', 'hx-target': `deal-${id}` } });
  t.equal(res.statusCode, 200);
  t.match(res.body, new RegExp(`hx-swap-oob="afterbegin:#stage-cards-${by('Proposal').id}"`));
  t.match(res.body, new RegExp(`<article class="deal-card[^"]*" id="deal-${id}"`));
  t.match(res.body, /Moving deal/);
  const head = (stageId: number) => new RegExp(`id="stage-head-${stageId}"[^>]*hx-swap-oob="true"[\\s\\S]*?column-count[^>]*>(\\d+)<[\\s\\S]*?column-total[^>]*>([^<]+)<`).exec(res.body);
  const lead = head(by('Lead').id);
  const proposal = head(by('Proposal').id);
  t.ok(lead && proposal, 'both headers come out of band');
  t.equal(lead![1], '1');
  t.equal(lead![2], '$1K');
  t.equal(proposal![1], '1');
  t.equal(proposal![2], '$5K');
  t.match(res.body, /id="board-summary" hx-swap-oob="true">2 deals · \$6K open</, 'the page head comes out of band with the pipeline totals');
  t.match(res.body, new RegExp(`Moving deal moved to Proposal\\.[\\s\\S]*hx-post="/deals/${id}/move"[\\s\\S]*name="stage_id" value="${by('Lead').id}"[\\s\\S]*>Undo<`), 'a toast offers Undo: a move back to Lead');
  const undo = await c.post(`/deals/${id}/move`, { stage_id: by('Lead').id }, { headers: { 'hx-request': 'true', 'hx-target': `deal-${id}` } });
  t.match(undo.body, new RegExp(`hx-swap-oob="afterbegin:#stage-cards-${by('Lead').id}"`), 'Undo goes through the same move');
  t.equal((await deal(app, id)).stage_id, by('Lead').id);
  const plain = await c.post(`/deals/${id}/move`, { stage_id: by('Negotiation').id });
  t.equal(plain.statusCode, 303);
  t.match(String(plain.headers.location), /^\/deals\/board\?pipeline_id=\d+$/);
});

t.test('the board: columns with counts and totals over the whole column, first page of cards, load more', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const { by } = await stagesOf(app);
  for (let i = 0; i < 25; i++) await makeDeal(app, rep, { title: `Lead deal ${i}`, value: 100_000, stage_id: by('Lead').id });
  await makeDeal(app, rep, { title: 'Won one', value: 50_000, stage_id: by('Won').id });
  const c = await loginAs(app, rep);
  const board = await c.get('/deals/board');
  t.equal(board.statusCode, 200);
  const leadCards = (board.body.match(/class="deal-card/g) ?? []).length;
  t.equal(leadCards, 21, '20 lead cards (page size) + the won card');
  t.match(board.body, new RegExp(`id="stage-head-${by('Lead').id}"[\\s\\S]*?column-count[^>]*>25<`), 'the header counts all 25');
  t.match(board.body, new RegExp(`id="stage-head-${by('Lead').id}"[\\s\\S]*?column-total[^>]*>\\$25K<`));
  t.match(board.body, /weighted/);
  const more = /hx-get="(\/deals\/board\/column\/\d+\?after=[^"]+)"/.exec(board.body)![1].replace(/&amp;/g, '&');
  const next = await c.get(more);
  t.equal((next.body.match(/class="deal-card/g) ?? []).length, 5, 'the rest of the column');
  t.notMatch(next.body, /hx-get="\/deals\/board\/column/, 'no more pages');
  t.match(next.body, /Lead deal 0/, 'oldest arrivals last');
});

t.test('rights and visibility on deals', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const other = await makeUser(app);
  const { by } = await stagesOf(app);
  const theirs = await makeDeal(app, other, { title: 'Their deal' });
  const c = await loginAs(app, rep);
  t.equal((await c.post(`/deals/${theirs}/move`, { stage_id: by('Won').id })).statusCode, 403, 'a rep cannot move another rep\'s deal');
  t.equal((await deal(app, theirs)).stage_id, by('Lead').id);
  const { setSetting } = await import('../../../src/features/settings/settings.queries.js');
  await setSetting(app.db, 'rep_visibility', 'own');
  t.equal((await c.get(`/deals/${theirs}`)).statusCode, 404);
  t.notMatch((await c.get('/deals/board')).body, /Their deal/);
  t.notMatch((await c.get('/deals')).body, /Their deal/);
});

t.test('list: filters, key search, export; delete refusals now count deals', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const { by } = await stagesOf(app);
  const company = await makeCompany(app, rep, { name: 'Dealco' });
  const customer = await makeCustomer(app, rep, { name: 'Buyer' });
  const won = await makeDeal(app, rep, { title: 'Won, "quoted" deal', stage_id: by('Won').id, company_id: company, customer_id: customer });
  await makeDeal(app, rep, { title: 'Open deal' });
  const c = await loginAs(app, rep);
  const wonList = await c.get('/deals?status=won');
  t.match(wonList.body, /Won, &quot;quoted&quot; deal/);
  t.notMatch(wonList.body, /Open deal/);
  t.match((await c.get(`/deals?q=D-${won}`)).body, /quoted/);
  t.match((await c.get(`/deals?stage_id=${by('Lead').id}`)).body, /Open deal/);
  const csv = await c.get('/deals/export.csv?status=won');
  t.match(csv.body, /"Won, ""quoted"" deal"/);
  t.notMatch(csv.body, /Open deal/);
  const del = await c.post(`/companies/${company}/delete`);
  t.equal(del.statusCode, 409);
  t.match(del.body, /1 deal/);
  const delCustomer = await c.post(`/customers/${customer}/delete`);
  t.equal(delCustomer.statusCode, 409);
  t.equal((await c.post(`/deals/${won}/delete`)).statusCode, 303);
  t.equal((await c.post(`/companies/${company}/delete`)).statusCode, 303);
});

t.test('edit: changing the stage in the form applies the rules; stale version conflicts', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const { pipeline, by } = await stagesOf(app);
  const id = await makeDeal(app, rep, { title: 'Editable' });
  const c = await loginAs(app, rep);
  const edit = await c.get(`/deals/${id}/edit`);
  t.match(edit.body, /value="1000"/, 'money shown as an amount');
  const version = /name="version" value="(\d+)"/.exec(edit.body)![1];
  const res = await c.post(`/deals/${id}`, form({ title: 'Editable', value: '1000', pipeline_id: pipeline.id, stage_id: by('Won').id, assigned_to: rep.id, version }));
  t.equal(res.statusCode, 303);
  const d = await deal(app, id);
  t.equal(d.probability, 100);
  t.equal(d.actual_close_date, todayIso());
  t.equal((await history(app, id)).length, 2);
  const stale = await c.post(`/deals/${id}`, form({ title: 'Stale', pipeline_id: pipeline.id, version }));
  t.equal(stale.statusCode, 409);
});

t.test('column totals stay exact through creates, moves, edits, reassignments and deletes', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const other = await makeUser(app);
  const { pipeline, by } = await stagesOf(app);
  const ids: number[] = [];
  for (let i = 0; i < 12; i++) ids.push(await makeDeal(app, i % 2 ? rep : other, { value: (i + 1) * 10_000, assigned_to: i % 3 ? rep.id : null }));
  const c = await loginAs(app, await makeUser(app, { role: 'manager' }));
  await c.post(`/deals/${ids[0]}/move`, { stage_id: by('Won').id });
  await c.post(`/deals/${ids[1]}/move`, { stage_id: by('Proposal').id });
  await c.post(`/deals/${ids[2]}/move`, { stage_id: by('Lost').id });
  const edit = await c.get(`/deals/${ids[3]}/edit`);
  const version = /name="version" value="(\d+)"/.exec(edit.body)![1];
  await c.post(`/deals/${ids[3]}`, form({ title: 'Changed', value: '777', probability: '33', pipeline_id: pipeline.id, stage_id: by('Qualified').id, assigned_to: other.id, version }));
  await c.post(`/deals/${ids[4]}/delete`);
  const { sql } = await import('kysely');
  const truth = await sql<{ stage_id: number; n: number; v: number; w: number }>`
    select stage_id, count(*) n, coalesce(sum(value_cents), 0) v, coalesce(sum(value_cents * coalesce(probability, 0)), 0) w from deals group by stage_id`.execute(app.db);
  const kept = await sql<{ stage_id: number; n: number; v: number; w: number }>`
    select stage_id, sum(deals) n, sum(value_cents) v, sum(weighted) w from deal_stage_totals group by stage_id having sum(deals) > 0`.execute(app.db);
  const norm = (rows: { stage_id: number; n: number; v: number; w: number }[]) => rows.map((r) => [r.stage_id, Number(r.n), Number(r.v), Number(r.w)]).sort((a, b) => a[0] - b[0]);
  t.same(norm(kept.rows), norm(truth.rows), 'trigger-kept totals equal a fresh aggregate');
});

t.test('the board filters by owner: headers, cards, load more and moves follow the filter', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { name: 'Rita Rep' });
  const other = await makeUser(app, { name: 'Otto Other' });
  const { by } = await stagesOf(app);
  await makeDeal(app, rep, { title: 'Rita one', value: 100_000 });
  const mine = await makeDeal(app, rep, { title: 'Rita two', value: 200_000 });
  await makeDeal(app, other, { title: 'Otto one', value: 400_000 });
  const c = await loginAs(app, rep);
  const all = await c.get('/deals/board');
  t.match(all.body, new RegExp(`id="stage-head-${by('Lead').id}"[\\s\\S]*?column-count[^>]*>3<`));
  const me = await c.get('/deals/board?assigned_to=me');
  t.match(me.body, new RegExp(`id="stage-head-${by('Lead').id}"[\\s\\S]*?column-count[^>]*>2<[\\s\\S]*?column-total[^>]*>\\$3K<`));
  t.notMatch(me.body, /Otto one/);
  t.match(me.body, /<option value="me" selected>My deals/);
  const otto = await c.get(`/deals/board?assigned_to=${other.id}`);
  t.match(otto.body, /Otto one/);
  t.notMatch(otto.body, /Rita one/);
  const moved = await c.post(`/deals/${mine}/move`, { stage_id: by('Won').id, board_assigned_to: String(rep.id) }, { headers: { 'hx-request': 'true', 'hx-target': `deal-${mine}` } });
  t.match(moved.body, new RegExp(`id="stage-head-${by('Lead').id}"[\\s\\S]*?column-count[^>]*>1<`), 'the header counts only the filtered owner');
});

t.test('the deal form offers the chosen company\'s customers and contacts', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const acme = await makeCompany(app, rep, { name: 'Acme' });
  const other = await makeCompany(app, rep, { name: 'Other' });
  await makeCustomer(app, rep, { name: 'Acme Buying', company_id: acme });
  await makeCustomer(app, rep, { name: 'Other Buying', company_id: other });
  await makeContact(app, rep, { first_name: 'Ann', last_name: 'Acme', company_id: acme });
  const bob = await makeContact(app, rep, { first_name: 'Bob', last_name: 'Other', company_id: other });
  const c = await loginAs(app, rep);
  const res = await c.get(`/deals/parties?company_id=${acme}&contact_ids=${bob}`);
  t.match(res.body, /^<div id="deal-parties"/);
  t.match(res.body, /Acme Buying/);
  t.notMatch(res.body, /Other Buying/);
  t.match(res.body, /Ann Acme/);
  t.match(res.body, new RegExp(`<option value="${bob}" selected>Bob Other`), 'a contact already chosen stays');
});

t.test('deal list: a stage set by a link shows in the filter bar; overdue close dates are marked; the order is named', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const { by } = await stagesOf(app);
  await makeDeal(app, rep, { title: 'Late deal', stage_id: by('Proposal').id, expected_close_date: '2020-01-15' });
  await makeDeal(app, rep, { title: 'Won late', stage_id: by('Won').id, expected_close_date: '2020-01-15' });
  const c = await loginAs(app, rep);
  const res = await c.get(`/deals?stage_id=${by('Proposal').id}`);
  t.match(res.body, new RegExp(`<select[^>]*name="stage_id"[\\s\\S]*?<option value="${by('Proposal').id}" selected>Proposal</option>`), 'the stage filter is visible and set');
  t.match(res.body, /Late deal[\s\S]*?<time datetime="2020-01-15" class="date-cell overdue"[^>]*>Jan 15, 2020 <span class="overdue-tag">overdue<\/span>/, 'an open deal past its close date says overdue');
  const all = await c.get('/deals');
  const wonRow = /<tr id="deal-row-\d+">(?:(?!<\/tr>)[\s\S])*Won late[\s\S]*?<\/tr>/.exec(all.body)?.[0] ?? '';
  t.match(wonRow, /Won late/);
  t.notMatch(wonRow, /overdue/, 'a closed deal is never overdue');
  t.match(all.body, /· newest first/, 'the default order is named');
});

t.test('board cards: another rep’s deal is locked and says why; "More deals…" keeps pipeline and owner; the deal form hides lost fields unless the deal is lost', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { name: 'Rita Rep' });
  const other = await makeUser(app, { name: 'Otto Other' });
  const { by } = await stagesOf(app);
  for (let i = 0; i < 25; i++) await makeDeal(app, rep, { title: `Rita ${i}`, value: 100_000, stage_id: by('Lead').id });
  const ottos = await makeDeal(app, other, { title: 'Otto locked', value: 100_000, stage_id: by('Qualified').id });
  const c = await loginAs(app, rep);
  const board = await c.get(`/deals/board?assigned_to=${rep.id}`);
  t.match(board.body, new RegExp(`href="/deals\\?pipeline_id=\\d+&amp;stage_id=${by('Lead').id}&amp;assigned_to=${rep.id}"[^>]*>More deals…`), 'the column link carries the pipeline and the owner filter');
  const everyone = await c.get('/deals/board');
  const locked = new RegExp(`<article class="deal-card[^"]*locked" id="deal-${ottos}"[^>]*title="Assigned to Otto Other: only they or a manager can move it\\."`);
  t.match(everyone.body, locked, 'another rep’s card is locked, with the reason');
  const ottoTag = new RegExp(`<article[^>]*id="deal-${ottos}"[^>]*>`).exec(everyone.body)?.[0] ?? '';
  t.match(ottoTag, /locked/);
  t.notMatch(ottoTag, /data-movable/, 'not draggable');
  t.notMatch(everyone.body, new RegExp(`/deals/${ottos}/move-menu`), 'no Move to… on it');
  t.match(everyone.body, /<article class="deal-card [^"]*" id="deal-\d+" data-id="\d+" data-title="Rita \d+" data-movable="1"/, 'own cards move');

  const mine = await makeDeal(app, rep, { title: 'Rita lost', stage_id: by('Lost').id });
  t.notMatch((await c.get('/deals/new')).body, /id="f-lost_reason_id"/, 'no lost reason on a new deal');
  t.notMatch((await c.get(`/deals/${ottos}/edit`)).body, /id="f-lost_reason_id"/);
  t.match((await c.get(`/deals/${mine}/edit`)).body, /id="f-lost_reason_id"/, 'a lost deal shows its reason fields');
});

/* ---------- deals.rules (one file per area: tap starts a process per file) ---------- */
const open = { id: 2, pipeline_id: 1, probability: 40, is_won: 0, is_lost: 0 };
const won = { id: 5, pipeline_id: 1, probability: 100, is_won: 1, is_lost: 0 };
const lost = { id: 6, pipeline_id: 1, probability: 0, is_won: 0, is_lost: 1 };

t.test('stage rules', async (t) => {
  t.same(enterStage(won, { today: '2026-11-23' }), { probability: 100, actual_close_date: '2026-11-23', lost_reason: null, lost_reason_id: null });
  t.same(enterStage(lost, { today: '2026-11-23', lostReason: '  Too pricey ', lostReasonId: 3 }), { probability: 0, actual_close_date: '2026-11-23', lost_reason: 'Too pricey', lost_reason_id: 3 });
  t.same(enterStage(open, { today: '2026-11-23', lostReason: 'ignored' }), { probability: 40, actual_close_date: null, lost_reason: null, lost_reason_id: null }, 'reopening clears');
  t.equal(enterStage(open, { today: '2026-11-23', probability: 65 }).probability, 65, 'a probability from the form wins in an open stage');
  t.equal(enterStage(won, { today: '2026-11-23', probability: 65 }).probability, 100, 'won is always 100');
});

t.test('pipeline membership and initial stage', async (t) => {
  t.equal(stageMismatch(1, open), null);
  t.match(stageMismatch(2, open), /another pipeline/);
  t.match(stageMismatch(1, undefined), /Choose a stage/);
  t.equal(initialStage([open, { ...won, is_default: 1 }])?.id, 5, 'the default stage');
  t.equal(initialStage([open, won])?.id, 2, 'else the first');
  t.equal(initialStage([]), undefined);
});

t.test('money and markers', async (t) => {
  t.equal(weightedValue(100_000, 25), 25_000);
  t.equal(weightedValue(null, 50), 0);
  t.equal(weightedValue(333, 33), 110);
  const now = Date.parse('2026-11-23T12:00:00Z');
  t.ok(isRotting('2026-11-01T00:00:00Z', { rotting_days: 7, is_won: 0, is_lost: 0 }, now));
  t.notOk(isRotting('2026-11-20T00:00:00Z', { rotting_days: 7, is_won: 0, is_lost: 0 }, now));
  t.notOk(isRotting('2026-01-01T00:00:00Z', { rotting_days: 7, is_won: 1, is_lost: 0 }, now), 'closed deals never rot');
  t.notOk(isRotting('2026-01-01T00:00:00Z', { rotting_days: null, is_won: 0, is_lost: 0 }, now));
  t.ok(isOverdue('2026-11-22', '2026-11-23', false));
  t.notOk(isOverdue('2026-11-22', '2026-11-23', true));
  t.equal(parseDealKey('D-42'), 42);
  t.equal(parseDealKey('d42'), 42);
  t.equal(parseDealKey('deal'), null);
});
