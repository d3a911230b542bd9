/**
 * The keys that appear more than once in one object of a JSON text, at any depth, as `path.key`. `JSON.parse` keeps
 * the last of repeated keys without a word, so a log line's raw text is the only place a repeat shows. Expects valid
 * JSON (check with JSON.parse first); strings are skipped with their escapes, so a `"` inside a value is no key.
 */
export function duplicateJsonKeys(text: string): string[] {
  const duplicates: string[] = [];
  // One frame per open object or array: the keys seen so far (objects only) and where it sits.
  const frames: { keys?: Set<string>; path: string; expectingKey: boolean; lastKey?: string }[] = [];
  let i = 0;
  const readString = (): string => {
    const start = i;
    i += 1;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i += 1;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const childPath = (): string => {
    const top = frames[frames.length - 1];
    if (!top) return '';
    const name = top.keys ? top.lastKey ?? '' : '[]';
    return top.path ? `${top.path}.${name}` : name;
  };
  while (i < text.length) {
    const c = text[i] as string;
    const top = frames[frames.length - 1];
    if (c === '"') {
      const value = readString();
      if (top?.keys && top.expectingKey) {
        if (top.keys.has(value)) duplicates.push(top.path ? `${top.path}.${value}` : value);
        top.keys.add(value);
        top.lastKey = value;
        top.expectingKey = false;
      }
      continue;
    }
    if (c === '{' || c === '[') {
      const path = childPath();
      frames.push(c === '{' ? { keys: new Set(), path, expectingKey: true } : { path, expectingKey: false });
    } else if (c === '}' || c === ']') {
      frames.pop();
    } else if (c === ',' && top?.keys) {
      top.expectingKey = true;
    }
    i += 1;
  }
  return duplicates;
}
