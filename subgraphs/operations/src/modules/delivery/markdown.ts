/**
 * The little Markdown notifications use (headings, paragraphs, lists, bold, italics, code, links),
 * turned into what each channel shows: HTML for mail, Slack's mrkdwn. GitHub renders Markdown itself.
 * Anything else passes through as text.
 */

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const SAFE_LINK = /^(https?:|mailto:)/i;

function inlineHtml(text: string): string {
  const codes: string[] = [];
  let html = escapeHtml(text).replace(/`([^`]+)`/g, (_m, code: string) => {
    codes.push(`<code>${code}</code>`);
    return `\uE000${codes.length - 1}\uE001`;
  });
  html = html
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (m, label: string, href: string) =>
      SAFE_LINK.test(href) ? `<a href="${href}">${label}</a>` : m,
    )
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^\w*])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>')
    .replace(/(^|[^\w])_([^_\s][^_]*)_(?!\w)/g, '$1<em>$2</em>');
  return html.replace(/\uE000(\d+)\uE001/g, (_m, i: string) => codes[Number(i)] ?? '');
}

/** A simple HTML rendering of a notification's Markdown, for the HTML part of a mail. */
export function markdownToHtml(markdown: string): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  let list = null as { tag: 'ul' | 'ol'; items: string[] } | null;
  let code = null as string[] | null;
  const flushParagraph = () => {
    if (paragraph.length) out.push(`<p>${paragraph.map(inlineHtml).join('<br>\n')}</p>`);
    paragraph = [];
  };
  const flushList = () => {
    if (list)
      out.push(`<${list.tag}>${list.items.map((i) => `<li>${inlineHtml(i)}</li>`).join('')}</${list.tag}>`);
    list = null;
  };
  for (const line of markdown.split(/\r?\n/)) {
    if (code) {
      if (line.trimStart().startsWith('```')) {
        out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
        code = null;
      } else code.push(line);
      continue;
    }
    if (line.trimStart().startsWith('```')) {
      flushParagraph();
      flushList();
      code = [];
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (heading) {
      flushParagraph();
      flushList();
      const level = heading[1]!.length;
      out.push(`<h${level}>${inlineHtml(heading[2]!)}</h${level}>`);
    } else if (bullet || numbered) {
      flushParagraph();
      const tag = bullet ? 'ul' : 'ol';
      if (list?.tag !== tag) flushList();
      list ??= { tag, items: [] };
      list.items.push((bullet ?? numbered)![1]!);
    } else if (line.trim() === '') {
      flushParagraph();
      flushList();
    } else {
      flushList();
      paragraph.push(line);
    }
  }
  if (code) out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
  flushParagraph();
  flushList();
  return out.join('\n');
}

const escapeSlack = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * Slack's mrkdwn for a notification's Markdown: bold is `*x*`, italics `_x_`, links `<url|label>`,
 * headings become bold lines and bullets `•`; `&`, `<` and `>` are escaped as Slack asks.
 */
export function markdownToSlack(markdown: string): string {
  let inCode = false;
  return markdown
    .split(/\r?\n/)
    .map((line) => {
      if (line.trimStart().startsWith('```')) {
        inCode = !inCode;
        return '```';
      }
      if (inCode) return escapeSlack(line);
      const heading = /^#{1,6}\s+(.*)$/.exec(line);
      let text = escapeSlack(heading ? heading[1]! : line)
        .replace(/^(\s*)[-*+]\s+/, '$1• ')
        .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (m, label: string, href: string) =>
          SAFE_LINK.test(href) ? `<${href}|${label}>` : m,
        )
        .replace(/(^|[^\w*])\*([^*\s][^*]*)\*(?!\*)/g, '$1_$2_')
        .replace(/\*\*([^*]+)\*\*/g, '*$1*');
      if (heading) text = `*${text.replaceAll('*', '')}*`;
      return text;
    })
    .join('\n');
}
