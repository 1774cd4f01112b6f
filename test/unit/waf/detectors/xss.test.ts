import { describe, it, expect } from 'vitest';
import { xss } from '../../../../src/waf/detectors/xss.js';
import { GET, POST_JSON } from './helpers.js';

const stamp = (v: string, c = GET) => xss.detect(v, c)?.stamp ?? null;

describe('xss detector', () => {
  it('has the right type', () => expect(xss.type).toBe('xss'));

  describe('dangerous tags', () => {
    it.each([
      '<script src=//evil.example/x.js></script>',
      'hello <ScRipT>fetch("//x")</sCrIpT>',
      '<iframe srcdoc="<b>x</b>"></iframe>',
      '<embed src=x.swf>',
      '<object data="x.svg"></object>',
      '<base href="//evil.example/">',
      '<scr\u0000ipt>x()</script>',
    ])('%s', (v) => expect(stamp(v)).toMatch(/^xss:(script-tag|tag)$/));
  });

  describe('event handlers', () => {
    it.each([
      '<img src=1 onerror=print()>',
      '<div/onmouseover="x()">hover</div>',
      '<svg\nonload=top.x()>',
      '<input autofocus onfocus=go()>',
      '<a href=# OnClIcK = "run()">x</a>',
      '<custom-el onanimationstart=go() style=animation-name:x>',
      '" autofocus onfocus="doit()',
      "' onmouseover='x()' data='",
      '"/onpointerenter=go()//',
      '&lt;img src=x onerror=go()&gt;',
      '<details open ontoggle=go()>',
      '"autof<y>ocus on<y>focus=go()//',
    ])('%s', (v) => expect(stamp(v)).toBe('xss:event-handler'));
  });

  describe('script URLs', () => {
    it.each([
      '<a href="javascript:go()">x</a>',
      '<a href=" JaVaScRiPt:go()">x</a>',
      '<a href="java&#x09;script:go()">x</a>',
      '<a href="jav&#97;script&colon;go()">x</a>',
      '<form action=vbscript:msgbox(1)>',
      '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
      'javascript:go()',
      'javascript:/*x*/window.name',
      '  javascript:void(document.body.innerHTML=1)',
      'data:text/html,<b>hi</b>',
    ])('%s', (v) => expect(stamp(v)).toMatch(/^xss:(js-url|data-url)$/));
  });

  describe('JavaScript sinks', () => {
    it.each([
      'alert(1)',
      'prompt`x`',
      'confirm?.(document.domain)',
      '(confirm)(7)',
      'alert.apply(this, [9])',
      'top["al"+"ert"](1)',
      'self[atob("YWxlcnQ=")](1)',
      '[7].map(alert)',
      "';eval(name)//",
      '";setTimeout("x()",0);//',
      'document.cookie',
      "document['cookie']",
      'x.innerHTML=location.hash',
      "[].constructor.constructor('go()')()",
      'obj.__proto__.isAdmin=true',
      '\\u0061lert(1)',
      "window.onerror=eval;throw'=go()'",
    ])('%s', (v) => expect(stamp(v)).not.toBeNull());
  });

  it('decodes entities in JSON bodies too', () => {
    expect(stamp('&#x3c;svg onload=go()&#x3e;', POST_JSON)).toBe('xss:event-handler');
  });

  describe('framework expression attributes', () => {
    it.each([
      '<div ng-app ng-csp><input autofocus ng-focus=$event.view.alert(1)>',
      '<a ng-click="$event.view.prompt(document.domain)">x</a>',
      '<x data-ng-mouseover="$event.target.ownerDocument.defaultView.confirm(1)">',
      "<b ng-init=\"constructor.constructor('alert(1)')()\">",
      '<button v-on:click="$el.ownerDocument.defaultView.alert(1)">x</button>',
      '<img @click="$event.view.confirm(1)" src=x>',
      '<div x-init="window.alert(document.cookie)"></div>',
      '<p ng-focus=&quot;$event.view.alert(1)&quot;>',
    ])('%s', (v) => expect(stamp(v)).toBe('xss:framework-expression'));
    it.each([
      '<button ng-click="save()">Save</button>',
      '<button @click="count++">Add</button>',
      '<div x-data="{ open: false }" x-on:click="open = !open"></div>',
      '<li ng-repeat="item in items">{{item.name}}</li>',
      '<input ng-model="user.email" ng-change="validate(user)">',
    ])('passes %s', (v) => expect(stamp(v)).toBeNull());
  });

  describe('JS string break-out through an escaped quote', () => {
    it.each([
      "\\';alert(1)//",
      '\\";alert(1)//',
      "\\';confirm(document.domain);//",
      "x\\'-prompt(1)-\\'",
    ])('%s', (v) => expect(stamp(v)).toBe('xss:js-call'));
    it.each(["It\\'s an alert system", "don\\'t worry, it\\'s fine", "O\\'Brien\\'s (alert) level"])('passes %s', (v) => expect(stamp(v)).toBeNull());
  });

  describe('look-alikes pass', () => {
    it.each([
      'JavaScript: the good parts',
      'javascript: a language for the web',
      'Red alert (level 2)',
      'Please confirm (yes or no)',
      'Alert(s) will be sent',
      'prompt delivery, confirm your email, eval period',
      '<b>bold</b> and <i>italic</i> and <img src="cat.png" alt="cat">',
      '<a href="https://example.com/page?x=1">link</a>',
      'x < 5 and y > 3',
      'online=true&onion=false',
      'the script was great and the iframe too',
      'h2<h1',
      'type <enter here> to continue',
      'data: text and more data:',
      'document.title is shown; the document cookie policy applies',
      'setTimeout(callback, 100)',
      'print("hello world")',
      '{{ user.name }}',
      'fetch(url).then(r => r.json())',
    ])('%s', (v) => expect(stamp(v)).toBeNull());
  });
});
