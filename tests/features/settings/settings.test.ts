import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { buildTestApp, loginAs, postFile } from '../../helpers/app.js';
import { makeCompany, makeUser } from '../../helpers/factories.js';
import { getSettings, SETTING_DEFAULTS } from '../../../src/features/settings/settings.queries.js';

const good = { currency: 'EUR', date_format: 'dd.MM.yyyy', default_time_zone: 'Europe/Berlin', timeline_visible: '1', rep_visibility: 'own', page_size: '50', kanban_page_size: '30', require_two_factor: '0' };

t.test('CRM settings: each key validated at its field (422, typed values kept), saved, used by every page, audited', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin', name: 'Ann Admin' });
  const manager = await makeUser(app, { role: 'manager', email: 'm@orchard.test' });
  const c = await loginAs(app, admin);
  t.equal((await c.get('/settings/crm')).statusCode, 200);
  t.equal((await (await loginAs(app, manager)).get('/settings/crm')).statusCode, 403, 'admins only');

  const bad: [string, string, RegExp][] = [
    ['currency', 'EURO', /ISO 4217/],
    ['currency', 'XYZ', /ISO 4217/],
    ['date_format', 'yyyy/dd/MM', /Choose one of/],
    ['default_time_zone', 'Mars/Olympus', /time zone from the list/],
    ['rep_visibility', 'some', /Use &quot;all&quot; or &quot;own&quot;/],
    ['page_size', '4', /between 5 and 200/],
    ['page_size', '2.5', /whole number/],
    ['kanban_page_size', '201', /between 5 and 200/],
    ['kanban_page_size', 'lots', /whole number/],
  ];
  for (const [key, value, message] of bad) {
    const res = await c.post('/settings/crm', { ...good, [key]: value });
    t.equal(res.statusCode, 422, `${key} = ${value} refused`);
    t.match(res.body, new RegExp(`id="f-${key}-error">[^<]*${message.source}`), `${key}: the message by the field`);
    if (key !== 'date_format' && key !== 'rep_visibility') t.match(res.body, `value="${value}"`, 'what was typed is kept');
  }
  t.same(await getSettings(app.db), SETTING_DEFAULTS, 'nothing saved by a refused form');

  const saved = await c.post('/settings/crm', { ...good, currency: 'eur' });
  t.equal(saved.statusCode, 303);
  const s = await getSettings(app.db);
  t.same([s.currency, s.date_format, s.default_time_zone, s.rep_visibility, s.page_size, s.kanban_page_size, s.timeline_visible], ['EUR', 'dd.MM.yyyy', 'Europe/Berlin', 'own', 50, 30, true], 'saved, the code upper-cased');
  // One formatter: the currency and the date format reach the pages.
  const co = await makeCompany(app, admin, { name: 'Hooli' });
  const page = await c.get(`/companies/${co}`);
  t.match(page.body, /\d{2}\.\d{2}\.\d{4}/, 'dates as dd.MM.yyyy');
  const settingsPage = await c.get('/settings/crm');
  t.match(settingsPage.body, /Currency:<\/span> <span class="tl-old">USD<\/span> → <span class="tl-new">EUR<\/span>/, 'the change on the audit trail, key by key');
  t.match(settingsPage.body, /Ann Admin/);
});

t.test('settings as JSON: export, import (all or nothing, with the reasons), reset to defaults', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const exported = await c.get('/settings/crm/export.json');
  t.equal(exported.statusCode, 200);
  t.match(exported.headers['content-disposition'], /attachment; filename="orchard-settings.json"/);
  t.same(JSON.parse(exported.body), SETTING_DEFAULTS, 'every key with its value');

  const refused: [unknown, RegExp][] = [
    [{ currency: 'EUR', colour: 'green' }, /Unknown key: colour\. Known keys: currency/],
    [{ currency: 'EUR', page_size: 1000 }, /page_size: Rows per list page must be between 5 and 200/],
    [{ timeline_visible: 'yes' }, /timeline_visible: Use true or false/],
    [['currency', 'EUR'], /one JSON object/],
  ];
  for (const [json, message] of refused) {
    const res = await postFile(c, '/settings/crm/import', {}, { name: 'settings.json', content: JSON.stringify(json) });
    t.equal(res.statusCode, 422);
    t.match(res.body, message);
    t.equal((await getSettings(app.db)).currency, 'USD', 'nothing applied');
  }
  const notJson = await postFile(c, '/settings/crm/import', {}, { name: 'settings.json', content: '{currency: EUR' });
  t.equal(notJson.statusCode, 422);
  t.match(notJson.body, /not a JSON file/);
  const none = await c.post('/settings/crm/import', {});
  t.equal(none.statusCode, 422, 'no file');

  const ok = await postFile(c, '/settings/crm/import', {}, { name: 'settings.json', content: JSON.stringify({ ...SETTING_DEFAULTS, currency: 'JPY', rep_visibility: 'own' }) });
  t.equal(ok.statusCode, 303);
  t.same([(await getSettings(app.db)).currency, (await getSettings(app.db)).rep_visibility], ['JPY', 'own']);
  t.match((await c.get('/settings/crm')).body, /imported this CRM settings from a file/);

  t.equal((await c.post('/settings/crm/reset', {})).statusCode, 303);
  t.same(await getSettings(app.db), SETTING_DEFAULTS, 'reset');
  t.match((await c.get('/settings/crm')).body, /reset the CRM settings to their defaults/);
  t.equal((await c.post('/settings/crm/reset', {}, { csrf: false })).statusCode, 403, 'CSRF protected');
});

t.test('backup download: a consistent copy that passes integrity_check while writes are running; admins only; in the security log', async (t) => {
  const { app, dbFile } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const rep = await makeUser(app, { email: 'rep@orchard.test' });
  for (let i = 0; i < 200; i++) await makeCompany(app, admin, { name: `Company ${i}` });
  const c = await loginAs(app, admin);
  t.equal((await (await loginAs(app, rep)).post('/settings/backup', {})).statusCode, 403);

  // Another connection commits writes while the backup runs.
  const writer = new SQLite(dbFile);
  writer.pragma('busy_timeout = 5000');
  const insert = writer.prepare("insert into audit_entries (entity_type, entity_id, action, changes, user_id, created_at) values ('company', 1, 'updated', null, null, ?)");
  let writes = 0;
  const timer = setInterval(() => {
    insert.run(new Date().toISOString());
    writes++;
  }, 5);
  const res = await c.post('/settings/backup', {});
  clearInterval(timer);
  writer.close();
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-disposition'], /attachment; filename="orchard-[\d-T]+\.db"/);
  t.equal(Number(res.headers['content-length']), res.rawPayload.length);
  t.ok(writes > 0, `${writes} writes during the backup`);
  const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-dl-')), 'copy.db');
  fs.writeFileSync(copy, res.rawPayload);
  const db = new SQLite(copy, { readonly: true });
  t.equal((db.pragma('integrity_check', { simple: true }) as string), 'ok', 'the download passes integrity_check');
  t.equal((db.prepare('select count(*) as n from companies').get() as { n: number }).n, 200, 'every record in it');
  db.close();
  fs.rmSync(path.dirname(copy), { recursive: true, force: true });
  const logged = await app.db.selectFrom('security_events').select(['kind', 'user_id']).where('kind', '=', 'backup').execute();
  t.same(logged, [{ kind: 'backup', user_id: admin.id }], 'the download is in the security log');
});

t.test('API tokens: made in the profile (shown once, stored hashed), act as their user, read-only refused for writes, revoked at once; problem+json', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const rep = await makeUser(app, { name: 'Rita Rep', email: 'rita@orchard.test' });
  const r = await loginAs(app, rep);
  const api = (token: string | null, method: 'GET' | 'POST' = 'GET', url = '/api/v1/me') => app.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  const bad = await r.post('/profile/api-tokens', { name: '  ', scope: 'root' });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /id="f-name-error">Name is required/);
  const made = await r.post('/profile/api-tokens', { name: 'Website form', scope: 'read' });
  t.equal(made.statusCode, 201);
  const secret = /id="new-token"[^>]*value="(orch_[^"]+)"/.exec(made.body)?.[1] ?? '';
  t.ok(secret.length > 40, 'the secret is shown once');
  const stored = await app.db.selectFrom('api_tokens').selectAll().executeTakeFirstOrThrow();
  t.not(stored.token_hash, secret, 'only its hash is stored');
  t.notMatch((await r.get('/profile/api-tokens')).body, new RegExp(secret), 'and it is not shown again');

  const none = await api(null);
  t.equal(none.statusCode, 401);
  t.match(none.headers['content-type'], /^application\/problem\+json/);
  t.match(JSON.parse(none.body), { type: 'about:blank', status: 401, title: 'Unauthorized' });
  t.equal((await api('orch_not-a-token')).statusCode, 401);
  const me = await api(secret);
  t.equal(me.statusCode, 200);
  t.match(JSON.parse(me.body), { id: rep.id, role: 'rep', token: { scope: 'read' } }, 'the token acts as its user');
  const write = await api(secret, 'POST', '/api/v1/contacts');
  t.equal(write.statusCode, 403, 'a read-only token does not write');
  t.match(JSON.parse(write.body), { status: 403, detail: /read-only/ });
  t.equal((await app.inject({ method: 'GET', url: '/contacts', headers: { authorization: `Bearer ${secret}` } })).statusCode, 303, 'a token opens no page: only the API');
  t.ok((await app.db.selectFrom('api_tokens').select('last_used_at').executeTakeFirstOrThrow()).last_used_at, 'last use recorded');

  // Another user cannot revoke it; the admin sees it, its owner revokes it: refused at once.
  const other = await loginAs(app, await makeUser(app, { email: 'sam@orchard.test' }));
  t.equal((await other.post(`/profile/api-tokens/${stored.id}/revoke`, {})).statusCode, 404);
  const a = await loginAs(app, admin);
  t.match((await a.get('/settings/api-tokens')).body, /Website form[\s\S]*Rita Rep/);
  t.equal((await r.get('/settings/api-tokens')).statusCode, 403);
  t.equal((await r.post(`/profile/api-tokens/${stored.id}/revoke`, {})).statusCode, 303);
  t.equal((await api(secret)).statusCode, 401, 'revoked: refused at the next request');
  const second = /value="(orch_[^"]+)"/.exec((await r.post('/profile/api-tokens', { name: 'Billing', scope: 'write' })).body)?.[1] ?? '';
  t.equal((await api(second)).statusCode, 200);
  t.equal((await a.post(`/settings/api-tokens/${(await app.db.selectFrom('api_tokens').select('id').where('name', '=', 'Billing').executeTakeFirstOrThrow()).id}/revoke`, {})).statusCode, 303, 'an admin revokes anyone\'s');
  t.equal((await api(second)).statusCode, 401);
  const events = (await app.db.selectFrom('security_events').select('kind').where('kind', 'in', ['api_token_created', 'api_token_revoked']).execute()).map((e) => e.kind);
  t.same(events.sort(), ['api_token_created', 'api_token_created', 'api_token_revoked', 'api_token_revoked'], 'in the security log');
  t.equal((await r.post('/profile/api-tokens', { name: 'x', scope: 'read' }, { csrf: false })).statusCode, 403, 'the form is CSRF protected');
});

t.test('the API is rate limited per token: past the limit 429 as problem+json, another token unaffected', async (t) => {
  const { app } = await buildTestApp(t, { env: { ORCHARD_API_RATE_PER_MINUTE: '3' } });
  const rep = await makeUser(app, { email: 'rita@orchard.test' });
  const r = await loginAs(app, rep);
  const token = async (name: string) => /id="new-token"[^>]*value="(orch_[^"]+)"/.exec((await r.post('/profile/api-tokens', { name, scope: 'read' })).body)?.[1] ?? '';
  const [one, two] = [await token('One'), await token('Two')];
  const me = (secret: string) => app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${secret}` } });
  for (let i = 0; i < 3; i++) t.equal((await me(one)).statusCode, 200);
  const limited = await me(one);
  t.equal(limited.statusCode, 429);
  t.match(limited.headers['content-type'], /^application\/problem\+json/);
  t.match(JSON.parse(limited.body), { status: 429, detail: /at most 3 a minute/ });
  t.ok(limited.headers['retry-after'], 'says when to try again');
  t.equal((await me(two)).statusCode, 200, 'another token has its own budget');
});
