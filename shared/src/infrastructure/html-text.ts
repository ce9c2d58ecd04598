/** Text made safe inside HTML, in element content and in quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}
const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Plain text of HTML we produced or sanitised (post bodies, entry descriptions, our own notes):
 * block ends become line breaks, tags go, entities are decoded. For search text, reading time,
 * iCalendar descriptions and editing a note's source — not a sanitiser for untrusted HTML.
 */
export function htmlToText(html: string, options: { paragraphBreak?: '\n' | '\n\n' } = {}): string {
  const paragraph = options.paragraphBreak ?? '\n';
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*/gi, paragraph)
    .replace(/<\/(h\d|li|blockquote|pre|figure)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
