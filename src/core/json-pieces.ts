/** Text yielded once it reaches this many characters: one write(2) of the state file per piece. */
const PIECE = 65_536;

/**
 * `items` as the text of a JSON array, in pieces of ~64 kB: what JSON.stringify([...items]) gives, without the list
 * or its whole text in memory at once. For the state file, whose tables hold a flood's 100,000 sources.
 */
export function* jsonArrayPieces(items: Iterable<unknown>): Generator<string> {
  let text = '[';
  let first = true;
  for (const item of items) {
    text += `${first ? '' : ','}${JSON.stringify(item)}`;
    first = false;
    if (text.length >= PIECE) {
      yield text;
      text = '';
    }
  }
  yield `${text}]`;
}
