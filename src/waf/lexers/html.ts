// A forgiving HTML start-tag scanner following the HTML tokenizer's rules closely enough to see what
// a browser sees: a tag is `<` + letter, its name runs to whitespace, `/` or `>`, attributes are
// separated by whitespace or `/`, attribute names may contain almost anything (`\<`, quotes), values
// are quoted or run to whitespace / `>`, and a tag left open at the end of the value still counts
// (the rest of the page would close it). Bounded: at most `maxTags` tags and 64 attributes per tag.

export interface HtmlAttr {
  /** Lower-cased attribute name. */
  name: string;
  /** Raw value (quotes removed), or null for a bare attribute. */
  value: string | null;
  start: number;
  end: number;
}

export interface HtmlTag {
  /** Lower-cased tag name. */
  name: string;
  start: number;
  end: number;
  attrs: HtmlAttr[];
}

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 12 || c === 13;
}
function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/** Parse the start tag whose `<` is at `lt`; null if `lt` does not open a start tag. */
export function parseTagAt(s: string, lt: number): HtmlTag | null {
  const n = s.length;
  if (!isLetter(s.charCodeAt(lt + 1))) return null;
  let i = lt + 1;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (isWs(c) || c === 47 || c === 62) break;
    i++;
    // no real element has a longer name; stop before this gets quadratic on `<a<a<a...`
    if (i - lt > 64) return null;
  }
  const name = s.slice(lt + 1, i).toLowerCase();
  const attrs: HtmlAttr[] = [];
  while (i < n && attrs.length < 64) {
    let c = s.charCodeAt(i);
    if (isWs(c) || c === 47) {
      i++;
      continue;
    }
    if (c === 62) {
      i++;
      return { name, start: lt, end: i, attrs };
    }
    // attribute name: up to whitespace, `/`, `>`, or `=` (a leading `=` belongs to the name)
    const ns = i;
    i++;
    while (i < n) {
      c = s.charCodeAt(i);
      if (isWs(c) || c === 47 || c === 62 || c === 61) break;
      i++;
    }
    const aname = s.slice(ns, i).toLowerCase();
    let j = i;
    while (j < n && isWs(s.charCodeAt(j))) j++;
    if (s.charCodeAt(j) !== 61) {
      attrs.push({ name: aname, value: null, start: ns, end: i });
      continue;
    }
    j++;
    while (j < n && isWs(s.charCodeAt(j))) j++;
    const q = s.charCodeAt(j);
    let value: string;
    if (q === 34 || q === 39) {
      const close = s.indexOf(q === 34 ? '"' : "'", j + 1);
      const e = close < 0 ? n : close;
      value = s.slice(j + 1, e);
      i = close < 0 ? n : close + 1;
    } else {
      let e = j;
      while (e < n && !isWs(s.charCodeAt(e)) && s.charCodeAt(e) !== 62) e++;
      value = s.slice(j, e);
      i = e;
    }
    attrs.push({ name: aname, value, start: ns, end: i });
  }
  return { name, start: lt, end: i, attrs };
}

/**
 * All start tags in `s` (at most `maxTags`). Scanning resumes after each tag; attribute values
 * that contain `<` are scanned too (one level), since a value spliced elsewhere may become markup.
 */
export function scanTags(s: string, maxTags = 256, depth = 0): HtmlTag[] {
  const tags: HtmlTag[] = [];
  let i = s.indexOf('<');
  while (i >= 0 && tags.length < maxTags) {
    const t = parseTagAt(s, i);
    if (t) {
      tags.push(t);
      if (depth === 0) {
        for (const a of t.attrs) {
          if (a.value !== null && a.value.indexOf('<') >= 0 && tags.length < maxTags) {
            for (const inner of scanTags(a.value, maxTags - tags.length, 1)) tags.push({ ...inner, start: a.start, end: a.end });
          }
        }
      }
      i = s.indexOf('<', Math.max(i + 1, t.end));
    } else {
      i = s.indexOf('<', i + 1);
    }
  }
  return tags;
}
