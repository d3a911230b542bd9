// One place that parses Teams HTML, so that the converter and the splitter read a body the same way.
import { HTMLElement, parse, type Node, TextNode } from 'node-html-parser';

export { HTMLElement, TextNode, type Node };

/** Elements whose content is never shown to a reader: dropped with everything inside them. */
export const HIDDEN_ELEMENTS = new Set(['script', 'style', 'noscript', 'template', 'head', 'title', 'iframe', 'object']);

export function parseTeamsHtml(html: string): HTMLElement {
  return parse(html, {
    lowerCaseTagName: true,
    comment: false,
    // Keep unclosed elements open to the end, as a browser does; the library's default "repair" is quadratic.
    parseNoneClosedTags: true,
    // <pre> is parsed as elements (Teams puts <code> and <br> in it); only these stay raw text, to be dropped.
    blockTextElements: { script: true, noscript: true, style: true },
  });
}

export function tagName(element: HTMLElement): string {
  return (element.rawTagName ?? '').toLowerCase();
}
