/**
 * Text typed by a user (an order's title, an expert's name or introduction), made to show as
 * typed in a card: Teams renders TextBlocks and FactSet values as Markdown, so a title
 * `[click](https://evil.example)` would be a link with a hidden target in someone else's card,
 * and `**bold**` would shout. The Markdown that Adaptive Cards know (emphasis, links, lists)
 * is escaped with backslashes; everything else — hyphens and apostrophes in names such as
 * "Anna-Liisa O'Brien", dots, parentheses — is left alone, so the text reads as typed.
 *
 * Apply it exactly once, where card data is built from stored text (src/services/views.ts and
 * the notices); never to stored data, and never to localized strings of our own.
 */
export function plainText(text: string): string {
  return (
    text
      // Emphasis (* _ ~), code (`), link brackets ([ ]) and the escape character itself.
      .replace(/[\\`*_~[\]]/g, '\\$&')
      // A line starting with "- " or "+ " would be a bullet, "12. " a numbered list item.
      // [ \t]* (not \s*): a run of blank lines must not be scanned again from each line start.
      .replace(/^([ \t]*)([-+])(?=[ \t]|$)/gm, '$1\\$2')
      .replace(/^([ \t]*\d+)\.(?=[ \t]|$)/gm, '$1\\.')
  );
}
