// Operators and punctuation for the SQL lexer: the token type and length of the symbol at a position.
// Besides the common operators it knows PostgreSQL's (JSON `->` `->>`, containment `@>` `<@`, key
// existence `?` `?|` `?&`, casts `::`), so `data->>'role'='admin'` reads as one comparison. `#>` and
// `#>>` reach here only when the lexer has decided they are not a MySQL `#` comment.

export interface Punct {
  /** Token type: `(` `)` `,` `;`, `&` (logic `||` `&&`), `o` operator, `X` anything else. */
  t: string;
  /** Length of the symbol. */
  len: number;
}

// one result object reused: the lexer copies what it needs before the next call
const out: Punct = { t: 'X', len: 1 };

function set(t: string, len: number): Punct {
  out.t = t;
  out.len = len;
  return out;
}

/** The operator or punctuation symbol at `i` (never empty: unknown characters are one `X`). */
export function punctAt(src: string, i: number): Punct {
  const c = src.charCodeAt(i);
  const c2 = src.charCodeAt(i + 1);
  switch (c) {
    case 40: return set('(', 1);
    case 41: return set(')', 1);
    case 44: return set(',', 1);
    case 59: return set(';', 1);
    case 124: // |
      return c2 === 124 ? set('&', 2) : set('o', 1);
    case 38: // &
      return c2 === 38 ? set('&', 2) : set('o', 1);
    case 60: // < <= <=> <> << <@
      if (c2 === 61 && src.charCodeAt(i + 2) === 62) return set('o', 3);
      return c2 === 61 || c2 === 62 || c2 === 60 || c2 === 64 ? set('o', 2) : set('o', 1);
    case 62: // > >= >>
      return c2 === 61 || c2 === 62 ? set('o', 2) : set('o', 1);
    case 33: // ! !=
      return c2 === 61 ? set('o', 2) : set('o', 1);
    case 58: // : := ::
      return c2 === 61 || c2 === 58 ? set('o', 2) : set('X', 1);
    case 61: // = ==
      return c2 === 61 ? set('o', 2) : set('o', 1);
    case 45: // - -> ->>
      if (c2 === 62) return set('o', src.charCodeAt(i + 2) === 62 ? 3 : 2);
      return set('o', 1);
    case 63: // ? ?| ?&
      return c2 === 124 || c2 === 38 ? set('o', 2) : set('o', 1);
    case 35: // #> #>>
      return c2 === 62 ? set('o', src.charCodeAt(i + 2) === 62 ? 3 : 2) : set('X', 1);
    case 64: // @> (an `@` before a name is a variable, lexed before this)
      return c2 === 62 ? set('o', 2) : set('X', 1);
    case 43:
    case 42:
    case 47:
    case 37:
    case 94:
    case 126:
      return set('o', 1);
    default:
      return set('X', 1);
  }
}
