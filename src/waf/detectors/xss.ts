/**
 * Cross-site scripting, judged with an HTML tag scanner and a JavaScript tokenizer.
 *
 * The value (and its normalised forms: HTML entities decoded, `\uXXXX`/`\xHH` decoded, NULs
 * removed, and filter-evasion tags like `o<x>nfocus` stripped) is checked for:
 * - tags a browser would build that run script: script/iframe/object/embed/base/... tags, any tag
 *   with an `on*` event handler attribute or a framework expression attribute (`ng-focus`, `v-on:`,
 *   `x-init`) whose expression reaches a sink, URL attributes with `javascript:` / `vbscript:` /
 *   `data:text/html` values (whitespace and entities inside the scheme are ignored, as browsers do),
 *   CSS `expression()`;
 * - attribute break-outs without a tag: a quote (or a known DOM event name) followed by
 *   `on<event>=<code>`;
 * - `javascript:` URLs whose body reads as JavaScript, `data:` URLs with an HTML/script type;
 * - JavaScript sinks with well-formed arguments: alert/prompt/confirm/eval calls in all their
 *   spellings, string timers, the Function constructor, document.cookie/write, innerHTML,
 *   dynamic calls on globals, prototype pollution.
 */
import type { Detector, DetectorMatch, DetectContext } from '../types.js';
import { scanTags, type HtmlTag } from '../lexers/html.js';
import { findExpressionSink, findJsSink, looksLikeJs } from '../lexers/js.js';
import { F, charFlags, decodeEntities, decodeJsEscapes, excerpt, isAlnum, lowerOf } from '../lexers/text.js';

const DANGEROUS_TAGS: Record<string, string> = {
  script: 'xss:script-tag',
  iframe: 'xss:tag',
  frame: 'xss:tag',
  frameset: 'xss:tag',
  object: 'xss:tag',
  embed: 'xss:tag',
  applet: 'xss:tag',
  base: 'xss:tag',
  portal: 'xss:tag',
  import: 'xss:tag',
  isindex: 'xss:tag',
};

const URL_ATTRS = new Set([
  'href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'background', 'lowsrc', 'dynsrc', 'poster',
  'codebase', 'cite', 'longdesc', 'values', 'to', 'from', 'by', 'content', 'manifest', 'icon', 'archive',
  'classid', 'srcdoc', 'ping', 'code', 'folder', 'datasrc', 'profile', 'usemap', 'xmlns', 'itemtype',
]);

/** DOM event handler attribute names (without the `on` prefix). */
const EVENTS = new Set(
  (
    'abort afterprint animationend animationiteration animationstart auxclick beforecopy beforecut beforeinput ' +
    'beforepaste beforeprint beforetoggle beforeunload begin blur bounce cancel canplay canplaythrough change click ' +
    'close contextmenu copy cuechange cut dblclick drag dragend dragenter dragexit dragleave dragover dragstart drop ' +
    'durationchange emptied end ended error finish focus focusin focusout formdata fullscreenchange gotpointercapture ' +
    'hashchange input invalid keydown keypress keyup load loadeddata loadedmetadata loadend loadstart lostpointercapture ' +
    'message mousedown mouseenter mouseleave mousemove mouseout mouseover mouseup mousewheel offline online pagehide ' +
    'pageshow paste pause play playing pointercancel pointerdown pointerenter pointerleave pointermove pointerout ' +
    'pointerover pointerrawupdate pointerup popstate progress propertychange ratechange readystatechange repeat reset ' +
    'resize scroll scrollend search securitypolicyviolation seeked seeking select selectionchange selectstart show ' +
    'start stalled storage submit suspend timeupdate toggle touchcancel touchend touchmove touchstart transitioncancel ' +
    'transitionend transitionrun transitionstart unhandledrejection unload volumechange waiting webkitanimationend ' +
    'webkitanimationiteration webkitanimationstart webkittransitionend wheel activate beforeactivate beforedeactivate ' +
    'deactivate errorupdate filterchange help layoutcomplete losecapture move moveend movestart rowenter rowexit ' +
    'rowsdelete rowsinserted controlselect dataavailable datasetchanged datasetcomplete page contentvisibilityautostatechange'
  ).split(' '),
);

const JS_HINT = /alert|prompt|confirm|eval|set(?:timeout|interval|immediate)|function|constructor|document|innerhtml|outerhtml|__proto__|import|execscript|msgbox|top|self|window|parent|frames|globalthis|this|content|opener/i;

function isScriptUrl(raw: string): string | null {
  // browsers drop leading blanks/control characters and tab/newline anywhere in a URL
  let v = raw.length > 512 ? raw.slice(0, 512) : raw;
  if (v.indexOf('&') >= 0) v = decodeEntities(v);
  v = v.replace(/[\u0000-\u0020\u00a0\ufeff]+/g, '').toLowerCase();
  if (v.startsWith('javascript:') || v.startsWith('vbscript:') || v.startsWith('livescript:')) return 'xss:js-url';
  if (v.startsWith('data:')) {
    if (/^data:(text\/html|text\/xml|image\/svg|application\/(xhtml|x-?javascript|javascript|ecmascript|xml)|text\/(x-)?javascript|text\/ecmascript)/.test(v)) return 'xss:data-url';
  }
  return null;
}

function stripCssComments(css: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const a = css.indexOf('/*', i);
    if (a < 0) break;
    out += css.slice(i, a);
    const b = css.indexOf('*/', a + 2);
    if (b < 0) return out.replace(/\\/g, '');
    i = b + 2;
  }
  return (out + css.slice(i)).replace(/\\/g, '');
}

/**
 * Attributes a client-side framework evaluates as an expression: AngularJS `ng-*` (also `data-ng-`,
 * `x-ng-`, `ng:`), Vue `v-on:` / `v-bind:` / `v-html` and their `@` / `:` shorthands, Alpine `x-on:` /
 * `x-init` / `x-data`..., htmx `hx-on`.
 */
const FRAMEWORK_ATTR = /^(?:(?:data-|x-)?ng[-:_][a-z]|v-(?:on|bind|html)\b|[@:][a-z]|x-(?:on|init|effect|data|bind|html)\b|hx-on)/;

function judgeTag(tag: HtmlTag): { stamp: string; s: number; e: number } | null {
  const dangerous = DANGEROUS_TAGS[tag.name];
  if (dangerous) return { stamp: dangerous, s: tag.start, e: Math.min(tag.end, tag.start + 60) };
  for (const a of tag.attrs) {
    const name = a.name;
    if (name.length >= 5 && name.charCodeAt(0) === 111 && name.charCodeAt(1) === 110 && a.value !== null && /^on[a-z]+$/.test(name)) {
      return { stamp: 'xss:event-handler', s: a.start, e: a.end };
    }
    if (a.value === null) continue;
    if (FRAMEWORK_ATTR.test(name) && findExpressionSink(a.value.indexOf('&') >= 0 ? decodeEntities(a.value) : a.value)) {
      return { stamp: 'xss:framework-expression', s: a.start, e: a.end };
    }
    if (URL_ATTRS.has(name)) {
      if (name === 'srcdoc' && a.value.includes('<')) return { stamp: 'xss:srcdoc', s: a.start, e: a.end };
      let v = a.value;
      if (name === 'content') {
        const m = /url\s*=\s*['"]?/i.exec(v);
        if (!m) continue;
        v = v.slice(m.index + m[0].length);
      }
      const st = isScriptUrl(v);
      if (st) return { stamp: st, s: a.start, e: a.end };
    } else if (name === 'style') {
      const css = stripCssComments(decodeEntities(a.value)).toLowerCase();
      if (/expression\s*\(|javascript:|behaviou?r\s*:|-moz-binding/.test(css)) return { stamp: 'xss:style', s: a.start, e: a.end };
    }
  }
  if (tag.name === 'meta' || tag.name === 'link') {
    const rel = tag.attrs.find((a) => a.name === 'rel' || a.name === 'http-equiv');
    if (rel?.value && /^(import|refresh|set-cookie)$/i.test(rel.value.trim())) return { stamp: 'xss:tag', s: tag.start, e: tag.end };
  }
  return null;
}

/** `on<event>=code` outside a parsed tag: an attribute break-out (`" onfocus=alert(1) x="`). */
function findHandlerBreakout(s: string): { s: number; e: number } | null {
  const lower = lowerOf(s);
  let i = lower.indexOf('on');
  while (i >= 0) {
    const pc = i > 0 ? s.charCodeAt(i - 1) : 32;
    if (i === 0 || (!isAlnum(pc) && pc !== 95 && pc !== 45)) {
      let j = i + 2;
      while (j < s.length) {
        const c = lower.charCodeAt(j);
        if (c < 97 || c > 122) break;
        j++;
      }
      if (j - i >= 5) {
        let k = j;
        while (k < s.length && (s.charCodeAt(k) === 32 || s.charCodeAt(k) === 9 || s.charCodeAt(k) === 10 || s.charCodeAt(k) === 13)) k++;
        if (s.charCodeAt(k) === 61 /* = */) {
          k++;
          while (k < s.length && (s.charCodeAt(k) === 32 || s.charCodeAt(k) === 9)) k++;
          const vc = s.charCodeAt(k);
          const valueOk = k < s.length && vc !== 38 /* & */ && vc !== 61 && vc !== 62 && vc !== 60;
          if (valueOk) {
            // what precedes: skip blanks and `/`, then a quote means an attribute was just closed
            let b = i - 1;
            while (b >= 0 && (s.charCodeAt(b) === 32 || s.charCodeAt(b) === 47 || s.charCodeAt(b) === 9 || s.charCodeAt(b) === 10 || s.charCodeAt(b) === 13 || s.charCodeAt(b) === 43)) b--;
            const bc = b >= 0 ? s.charCodeAt(b) : 0;
            const quoteBefore = bc === 34 || bc === 39 || bc === 96;
            if (quoteBefore || EVENTS.has(lower.slice(i + 2, j))) return { s: i, e: Math.min(s.length, k + 24) };
          }
        }
      }
    }
    i = lower.indexOf('on', i + 2);
  }
  return null;
}

/** `javascript:` (with blanks/control characters tolerated inside the scheme) followed by code. */
function findScriptScheme(s: string): { stamp: string; s: number; e: number } | null {
  const lower = lowerOf(s);
  for (const scheme of ['javascript', 'vbscript', 'livescript']) {
    let i = lower.indexOf(scheme[0]!);
    let attempts = 0;
    while (i >= 0 && attempts < 64) {
      // match the scheme letters allowing tab/CR/LF between them
      let j = i;
      let k = 0;
      while (j < s.length && k < scheme.length) {
        const c = lower.charCodeAt(j);
        if (c === scheme.charCodeAt(k)) {
          k++;
          j++;
        } else if (k > 0 && (c === 9 || c === 10 || c === 13)) j++;
        else break;
      }
      if (k === scheme.length) {
        while (j < s.length && (lower.charCodeAt(j) === 9 || lower.charCodeAt(j) === 10 || lower.charCodeAt(j) === 13)) j++;
        const pc = i > 0 ? s.charCodeAt(i - 1) : 32;
        if (lower.charCodeAt(j) === 58 /* : */ && !isAlnum(pc)) {
          attempts++;
          const body = s.slice(j + 1, j + 1 + 512);
          if (scheme !== 'javascript' || looksLikeJs(body)) return { stamp: 'xss:js-url', s: i, e: j + 40 };
        }
      }
      i = lower.indexOf(scheme[0]!, i + 1);
    }
  }
  const d = lower.indexOf('data:');
  if (d >= 0) {
    const pc = d > 0 ? s.charCodeAt(d - 1) : 32;
    if (!isAlnum(pc) && isScriptUrl(s.slice(d, d + 64))) return { stamp: 'xss:data-url', s: d, e: d + 40 };
  }
  return null;
}

function check(v: string, tagsToo: boolean): { stamp: string; s: number; e: number } | null {
  const flags = charFlags(v);
  if (tagsToo && flags & F.LT) {
    for (const tag of scanTags(v)) {
      const r = judgeTag(tag);
      if (r) return r;
    }
  }
  if (flags & F.EQ) {
    const r = findHandlerBreakout(v);
    if (r) return { stamp: 'xss:event-handler', ...r };
  }
  // a script scheme spells `script:` literally unless tabs/newlines are hidden inside it
  if (flags & F.COLON && (flags & F.NEWLINE || v.indexOf('\t') >= 0 || /script\s*:|data:/i.test(v))) {
    const r = findScriptScheme(v);
    if (r) return r;
  }
  if ((flags & (F.LPAREN | F.BACKTICK | F.BRACKET | F.EQ) && JS_HINT.test(v)) || (flags & F.DOT && /\bdocument\s*\.\s*(?:cookie|write|domain)/.test(v))) {
    const r = findJsSink(v);
    if (r) return r;
  }
  return null;
}

const XSS_CHARS = F.LT | F.LPAREN | F.BACKTICK | F.EQ | F.COLON | F.AMP | F.BSLASH | F.BRACKET | F.CTRL | F.DOT;

export const xss: Detector = {
  type: 'xss',
  description: 'Cross-site scripting: HTML tag/attribute scanner plus JavaScript tokenizer for sinks, handlers and script URLs',
  detect(value: string, _ctx: DetectContext): DetectorMatch | null {
    if (value.length < 4) return null;
    const flags = charFlags(value);
    if (!(flags & XSS_CHARS)) return null;
    let r = check(value, true);
    if (r) return { stamp: r.stamp, payload: excerpt(value, r.s, r.e) };
    // normalised form: entities, JS escapes, NULs and other invisible control characters
    let norm = value;
    if (flags & F.AMP) norm = decodeEntities(norm);
    if (flags & F.BSLASH) norm = decodeJsEscapes(norm);
    if (flags & F.CTRL || norm !== value) norm = norm.replace(/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/g, '');
    if (norm !== value) {
      r = check(norm, true);
      if (r) return { stamp: r.stamp, payload: excerpt(norm, r.s, r.e) };
    }
    // filters that delete tags: `o<x>nfocus=alert<x>(1)` becomes `onfocus=alert(1)`
    if (norm.indexOf('<') >= 0 && norm.indexOf('>') >= 0) {
      const stripped = norm.replace(/<\/?[a-z]{1,12}>/gi, '');
      if (stripped !== norm) {
        r = check(stripped, false);
        if (r) return { stamp: r.stamp, payload: excerpt(stripped, r.s, r.e) };
      }
    }
    return null;
  },
};
