/**
 * JSON.stringify, with every character outside ASCII written as its `\uXXXX` escape: the same JSON value, but
 * text that can be printed on a terminal. JSON.stringify escapes only what JSON requires (control characters below
 * U+0020), and left a client's right-to-left override (U+202E, which shows `toor` as `root`) or an 8-bit control
 * (U+009B is CSI to a terminal that reads C1 codes, as xterm does) in `--json` output as they were.
 */
export function asciiJson(value: unknown, space?: number): string {
  const text = JSON.stringify(value, null, space);
  return NOT_ASCII.test(text) ? text.replace(NOT_ASCII_ALL, unicodeEscape) : text;
}

// DEL too: a terminal may act on it.
const NOT_ASCII = /[\u007f-\uffff]/;
const NOT_ASCII_ALL = /[\u007f-\uffff]/g;

function unicodeEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
