// One place that parses Teams HTML, so that the converter and the splitter read a body the same way.
import { HTMLElement, parse, type Node, TextNode } from 'node-html-parser';

export { HTMLElement, TextNode, type Node };

/** Elements whose content is never shown to a reader: dropped with everything inside them. */
export const HIDDEN_ELEMENTS = new Set(['script', 'style', 'noscript', 'template', 'head', 'title', 'iframe', 'object']);

export function parseTeamsHtml(html: string): HTMLElement {
  return parse(withoutUnterminatedMarkup(html), {
    // Tag names are lower-cased by tagName() below: the parser's own option lower-cases the whole input once per
    // <script>, which is quadratic.
    lowerCaseTagName: false,
    comment: false,
    // Keep unclosed elements open to the end, as a browser does; the library's default "repair" is quadratic.
    parseNoneClosedTags: true,
    // Every element is parsed as elements (Teams puts <code> and <br> in <pre>); hidden ones are skipped by callers.
    blockTextElements: {},
  });
}

/**
 * The parser looks for the end of a comment or CDATA section from every `<!--` / `<![CDATA[` it meets, so thousands
 * of unterminated ones take quadratic time. Those after the last terminator can never end: they are text, escaped
 * here in one linear pass. (Teams itself writes neither; this only keeps hostile input cheap.)
 */
function withoutUnterminatedMarkup(html: string): string {
  let result = html;
  for (const [opener, terminator] of [
    ['<!--', '-->'],
    ['<![CDATA[', ']]>'],
  ] as const) {
    const lastEnd = result.lastIndexOf(terminator);
    const from = lastEnd < 0 ? 0 : lastEnd + terminator.length;
    if (result.indexOf(opener, from) < 0) continue;
    result = result.slice(0, from) + result.slice(from).split(opener).join(`&lt;${opener.slice(1)}`);
  }
  return result;
}

export function tagName(element: HTMLElement): string {
  return (element.rawTagName ?? '').toLowerCase();
}
