import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeDeal, makeUser } from '../../helpers/factories.js';

/**
 * Building an Intl formatter costs ~160 µs and native memory: pages reuse them. Counts the
 * formatters constructed while the board and the deal list render a second time: none.
 */
t.test('pages reuse Intl formatters: a second render builds none', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  for (let i = 0; i < 12; i++) await makeDeal(app, rep, { title: `Deal ${i}`, expected_close_date: '2026-12-0' + ((i % 9) + 1), value: 100_000 * (i + 1) });
  const c = await loginAs(app, rep);
  const pages = ['/deals/board', '/deals', '/companies', '/'];
  for (const url of pages) t.equal((await c.get(url)).statusCode, 200, `${url} warms up`);

  let built = 0;
  const originals = { DateTimeFormat: Intl.DateTimeFormat, NumberFormat: Intl.NumberFormat, RelativeTimeFormat: Intl.RelativeTimeFormat };
  const counting = <T extends object>(Ctor: T): T => new Proxy(Ctor, { construct: (target, args) => (built++, Reflect.construct(target as never, args)) });
  Object.assign(Intl, { DateTimeFormat: counting(originals.DateTimeFormat), NumberFormat: counting(originals.NumberFormat), RelativeTimeFormat: counting(originals.RelativeTimeFormat) });
  t.teardown(() => Object.assign(Intl, originals));
  for (const url of pages) await c.get(url);
  Object.assign(Intl, originals);
  t.equal(built, 0, 'no formatter built on the second render');
});
