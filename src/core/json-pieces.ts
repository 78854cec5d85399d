/** Text yielded once it reaches this many characters: one write(2) of the state file per piece. */
const PIECE = 65_536;

/**
 * `texts` concatenated, in pieces of ~64 kB: for the state file, whose tables hold a flood's 100,000 sources, so
 * that neither the list behind `texts` nor the whole text is ever in memory at once.
 */
export function* inPieces(texts: Iterable<string>): Generator<string> {
  let text = '';
  for (const t of texts) {
    text += t;
    if (text.length >= PIECE) {
      yield text;
      text = '';
    }
  }
  if (text !== '') yield text;
}

/** `items` as the text of a JSON array, in pieces of ~64 kB: what JSON.stringify([...items]) gives. */
export function jsonArrayPieces(items: Iterable<unknown>): Generator<string> {
  return inPieces(arrayTexts(items));
}

function* arrayTexts(items: Iterable<unknown>): Generator<string> {
  let before = '[';
  for (const item of items) {
    yield `${before}${JSON.stringify(item)}`;
    before = ',';
  }
  yield before === '[' ? '[]' : ']';
}
