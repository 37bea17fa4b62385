import fs from 'node:fs';
import { createRequire } from 'node:module';
import t from 'tap';
import type { Page } from 'playwright-core';
import { jsErrors, openBrowser, signIn, startServer } from './helpers.js';
import { DEMO_ADMIN, everyPage, prepareDemo } from './pages.js';

const require = createRequire(import.meta.url);
// Injected as source text: the app's CSP refuses added script tags.
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface Finding { id: string; impact: string; help: string; targets: string[] }

async function axe(page: Page): Promise<Finding[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } };
    const result = await w.axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
}

/** Anything wider than its box, except the board (which scrolls sideways by design). */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth) out.push(`page ${doc.scrollWidth}px > ${window.innerWidth}px`);
    for (const el of document.querySelectorAll<HTMLElement>('main *')) {
      if (el.closest('#board') || el.closest('.visually-hidden')) continue;
      // A closed disclosure's content is not shown; a text field scrolls its own text.
      if (el.closest('details:not([open])') && !el.closest('summary')) continue;
      if (/^(INPUT|TEXTAREA|SELECT|OPTION)$/.test(el.tagName)) continue;
      const style = getComputedStyle(el);
      // Inline boxes do not clip; a 1 px clipped box is a visually hidden label for screen readers.
      if (style.display === 'inline' || el.clientWidth <= 1 || style.clipPath !== 'none') continue;
      // A box that cuts off or scrolls its content sideways hides part of it.
      if (/auto|scroll|hidden|clip/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1 && style.textOverflow !== 'ellipsis' && !/-webkit-box/.test(style.display)) {
        out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')} ${el.scrollWidth}px in ${el.clientWidth}px`);
      }
      const r = el.getBoundingClientRect();
      if (r.right > window.innerWidth + 1 && style.position !== 'fixed') out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ends at ${Math.round(r.right)}px`);
    }
    return out.slice(0, 5);
  });
}

for (const [label, width, height] of [['desktop', 1280, 800], ['phone', 390, 844]] as const) {
  t.test(`every page at ${label} width: no serious or critical axe finding, nothing overflows`, async (t) => {
    const server = await startServer({}, prepareDemo);
    t.teardown(server.stop);
    const pages = await everyPage(server.env.ORCHARD_DB!);
    const { page, close } = await openBrowser({ width, height });
    t.teardown(close);
    await signIn(page, server.base, DEMO_ADMIN.email, DEMO_ADMIN.password);
    for (const url of pages) {
      const res = await page.goto(server.base + url);
      t.equal(res?.status(), 200, `${url} loads`);
      const serious = (await axe(page)).filter((f) => f.impact === 'serious' || f.impact === 'critical');
      t.same(serious, [], `${url}: axe finds nothing serious`);
      t.same(await overflow(page), [], `${url}: nothing overflows at ${width}px`);
    }
    if (width < 641) {
      await page.goto(`${server.base}/companies`);
      const sw = await page.locator('.switch').first().boundingBox();
      t.ok(sw && sw.width < 50, `the Active switch keeps its size on a phone (${sw?.width}px)`);
    }
    t.same(jsErrors(page), []);
  });
}
