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

t.test('a badge’s text colour passes WCAG AA (4.5:1) on any background a manager picks', async (t) => {
  const { contrastRatio, contrastText } = await import('../../../src/lib/format.js');
  // The colours that failed on the deal list, and a sweep over every 8th step of each channel.
  t.equal(contrastText('#94a3b8'), '#111827');
  t.equal(contrastText('#a78bfa'), '#111827');
  t.equal(contrastText('#16a34a'), '#111827', 'mid green: dark, not white (3.3:1)');
  t.equal(contrastText('#101828'), '#ffffff');
  let worst = 21;
  for (let r = 0; r < 256; r += 8) for (let g = 0; g < 256; g += 8) for (let b = 0; b < 256; b += 8) {
    const bg = '#' + [r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('');
    worst = Math.min(worst, contrastRatio(bg, contrastText(bg)));
  }
  t.ok(worst >= 4.5, `the lowest contrast over the sweep is ${worst.toFixed(2)}:1`);
});
