import { describe, expect, it } from 'vitest';
import { initialScripts } from './bundle-size';

describe('the scripts a page loads at once', () => {
  it('are its module entry and its module preloads, not its styles', () => {
    const html = `<!doctype html><html><head>
      <script type="module" crossorigin src="/assets/dashboard-A1.js"></script>
      <link rel="modulepreload" crossorigin href="/assets/jsx-runtime-B2.js">
      <link rel="modulepreload" href="/assets/jsx-runtime-B2.js">
      <link rel="stylesheet" crossorigin href="/assets/dashboard-C3.css">
      <link rel="icon" href="/favicon.svg">
    </head><body><div id="root"></div><script>console.log(1)</script></body></html>`;
    expect(initialScripts(html)).toEqual(['/assets/dashboard-A1.js', '/assets/jsx-runtime-B2.js']);
  });

  it('are none for a page without modules', () => {
    expect(initialScripts('<html><body>nothing</body></html>')).toEqual([]);
  });
});
