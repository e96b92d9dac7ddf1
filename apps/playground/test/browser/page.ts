/** Driving the playground page with playwright-core: console capture, form filling, waiting for states. */
import type { Browser, Page } from 'playwright-core';
import type { PlaygroundState } from '../../src/ui/state.js';

/** A page with its console errors and uncaught exceptions collected. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { page, errors };
}

/** The page's `window.__playground`. */
export function pageState(page: Page): Promise<PlaygroundState> {
  return page.evaluate(() => (globalThis as unknown as { __playground: PlaygroundState }).__playground);
}

/** Fills the setup form (ids of index.html). */
export async function fillForm(page: Page, fields: Record<string, string>): Promise<void> {
  for (const [id, value] of Object.entries(fields)) {
    const tag = await page.$eval(`#${id}`, (e) => e.tagName);
    if (tag === 'SELECT') await page.selectOption(`#${id}`, value);
    else await page.fill(`#${id}`, value);
  }
}

/** Sets a range input and fires `change` as a user's release of the slider does. */
export async function setSlider(page: Page, id: string, value: number): Promise<void> {
  await page.$eval(
    `#${id}`,
    (e, v) => {
      const input = e as HTMLInputElement;
      input.value = String(v);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    },
    value,
  );
}

/** Waits until the element's text matches `re`; returns the text. */
export async function waitText(page: Page, selector: string, re: RegExp, timeout = 60_000): Promise<string> {
  await page.waitForFunction(
    ([sel, src, flags]) => new RegExp(src, flags).test(document.querySelector(sel)?.textContent ?? ''),
    [selector, re.source, re.flags] as const,
    { timeout },
  );
  return (await page.textContent(selector)) ?? '';
}

/** Non-white pixels of a canvas (the heatmap is drawn, not just present). */
export function inkedPixels(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (e) => {
    const c = e as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) n++;
    return n;
  });
}

/** The `d` of every `path[data-series]` of an SVG, by series name. */
export function seriesPaths(page: Page, selector: string): Promise<Record<string, string>> {
  return page.$eval(selector, (svg) =>
    Object.fromEntries(
      Array.from(svg.querySelectorAll('path[data-series]')).map((p) => [p.getAttribute('data-series')!, p.getAttribute('d') ?? '']),
    ),
  );
}
