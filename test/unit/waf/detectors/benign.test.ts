// Legitimate traffic that must pass every detector.
import { describe, it, expect } from 'vitest';
import { allHits, ctx, GET, POST_JSON, UA, URI } from './helpers.js';

const PROSE = [
  'Please select the items from the list and update your profile before Friday.',
  'The union was formed in 1707; the treaty was signed and the select committee met.',
  'I would like to drop the table reservation for tonight, or maybe tomorrow.',
  'Red alert (level 2) was issued, please confirm (yes or no) by email.',
  'My name is Seamus O\'Brien and my colleague is Giulia D\'Angelo.',
  "Don't forget: it's 5' 10\" tall and rock'n'roll is 'timeless'.",
  'Tom & Jerry; cat lovers & dog people | everyone welcome',
  'We use curl, wget and bash at work; ls is my favourite command.',
  'echo your thoughts in the comments -- we read them all',
  'Where can I find the exec summary? Select one: A or B',
  'The sleep study (8 hours) showed that 1 or 2 cups of coffee are fine.',
  'Prices: 10-20 USD, 30% off; buy 2 = get 1 free!',
  'Q&A: How do I reset my password? R&D team, AT&T store, H&M.',
  'Meet me at 10:30 on 2024-05-01 (room #4), bring the "big" box.',
  'Use the <b>bold</b> tag and <i>italic</i> text, or <a href="https://example.com/docs">the docs</a>.',
  '<p>Hello <strong>world</strong></p><img src="/images/photo.jpg" alt="me">',
  'Math: (a+b)*c = a*c + b*c and f(x) = x^2; 3 < 5 > 1',
  'He said "or else" and left; the end.',
  'Order by phone: +1 (555) 123-4567 ext. 89',
  'C# and F# are languages; so are C++ and Objective-C.',
  'Call me maybe; id card number 12345 is on file.',
  'path: docs/readme.md and ../assets/logo.png in the repo',
  'I love JavaScript: it runs everywhere, even on servers.',
  'Temperature dropped to -5; wind from N/NE at 20 km/h.',
  'The script for the play was great, and the iframe of the painting too.',
  'Use {{name}} and {{ user.email }} as placeholders in the template; ${HOME} is your home.',
  'Dear team,\nthanks for the update.\nRegards: John\nSubject to change.',
  'email me at john.doe+news@example.co.uk or jane@example.org',
  '1) a-b=c 2) (x=y) 3) done',
  'SELECT is a keyword in SQL; so are FROM and WHERE.',
  'Wait... what? Really...',
  'ping me when you are back; host the party at my place',
  'The sum of 7*7 is 49 and {7} is a set.',
  '#hashtag @mention $100 50% ~approx ^caret',
];

const STRUCTURED = [
  '{"name":"O\'Brien","age":42,"tags":["a","b"],"address":{"city":"Paris","zip":"75001"}}',
  '[{"id":1,"title":"Hello, world"},{"id":2,"title":"Union Jack"}]',
  '{"query":"query { user(id: 5) { name email } }"}',
  'https://www.example.com/search?q=union+select&page=2#results',
  'http://example.org/a/b/c.html',
  'https://api.twitter.com/1.1/statuses/user_timeline.json?screen_name=x&count=2',
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  '550e8400-e29b-41d4-a716-446655440000',
  'dGhpcyBpcyBhIHRlc3Q=',
  '2024-01-31T12:00:00.000Z',
  'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'en-US,en;q=0.9,fr;q=0.8',
  'gzip, deflate, br',
  'sessionid=abc123; csrftoken=xyz; theme=dark',
  'name=John&age=5&city=New+York',
  'price desc',
  'created_at:desc,name:asc',
  'C:\\Users\\me\\Documents\\report.docx',
  '/images/2024/photo-01.jpg',
  'SGVsbG8gV29ybGQh',
  '+33 1 23 45 67 89',
  'a=1;b=2',
  '(555) 010-9999',
  'function add(a, b) { return a + b; }',
  'const total = items.reduce((s, x) => s + x.price, 0);',
  'for (let i = 0; i < n; i++) { console.log(i); }',
  'if (user.isAdmin && !user.banned) { showPanel(); }',
  'def greet(name):\n    print(f"Hello {name}")',
  'SELECT * FROM table is what you type in a SQL console',
];

const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'curl/8.4.0',
  'python-requests/2.31.0',
  'okhttp/4.12.0',
  'PostmanRuntime/7.36.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36',
];

describe('benign traffic passes every detector', () => {
  it.each(PROSE)('prose in a query param: %s', (v) => {
    expect(allHits(v, GET)).toEqual([]);
  });
  it.each(PROSE)('prose in a JSON body: %s', (v) => {
    expect(allHits(v, POST_JSON)).toEqual([]);
  });
  it.each(STRUCTURED)('structured value: %s', (v) => {
    expect(allHits(v, GET)).toEqual([]);
    expect(allHits(v, POST_JSON)).toEqual([]);
  });
  it.each(UAS)('user agent: %s', (v) => {
    expect(allHits(v, UA)).toEqual([]);
  });
  it('ordinary URL paths', () => {
    for (const p of ['/api/v1/users/42', '/static/js/app.3f2a.js', '/blog/2024/05/union-select-is-not-a-crime', '/search', '/a/b/../c/d.html', '/script.js', '/environment/status']) {
      expect(allHits(p, URI)).toEqual([]);
    }
  });
  it('ordinary header values', () => {
    const c = ctx('header', 'accept');
    for (const v of ['application/json', 'text/html;q=0.9,*/*;q=0.8', 'max-age=0', 'Bearer abc.def.ghi', 'keep-alive']) {
      expect(allHits(v, c)).toEqual([]);
    }
  });
  it('absolute URLs in redirect-named params to ordinary sites are not SSRF', () => {
    expect(allHits('https://www.example.com/welcome', ctx('get', 'q'))).toEqual([]);
  });
});
