/** What follows attacker text that was cut (a verdict value past 256 bytes, an alert's username past 64). */
export const CUT_MARK = '...(cut)';

/**
 * `text` cut to at most `max` UTF-16 units, never between the two halves of a surrogate pair: a lone half prints as
 * U+FFFD (`\xef\xbf\xbd` in a verdict line), which is not what the client sent. Attacker text is cut this way.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
