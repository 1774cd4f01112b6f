import { describe, it, expect } from 'vitest';
import { nosqli } from '../../../../src/waf/detectors/nosqli.js';
import type { DetectContext } from '../../../../src/waf/types.js';
import { GET, POST_JSON } from './helpers.js';
import { WafEngine } from '../../../../src/waf/engine.js';
import { req } from '../parsers/helpers.js';

const stamp = (v: string, c = GET) => nosqli.detect(v, c)?.stamp ?? null;

describe('nosqli detector', () => {
  it('has the right type', () => expect(nosqli.type).toBe('nosqli'));
  it('flags operator keys', () => {
    const key: DetectContext = { point: [['post'], ['json_doc'], ['hash', 'password'], ['hash', '$ne']], kind: 'name', root: 'post' };
    expect(stamp('$ne', key)).toBe('nosqli:operator');
    expect(stamp('$Where', key)).toBe('nosqli:operator');
    expect(stamp('password[$regex]', { ...GET, kind: 'name' })).toBe('nosqli:operator');
    expect(stamp('/login?user=admin&pass[$gt]=', GET)).toBe('nosqli:operator');
  });
  it.each([
    ['{"username": {"$nin": ["x"]}}', 'nosqli:operator'],
    ["x', $where: 'sleep(100)", 'nosqli:operator'],
    ["' , \"$or\": [{}]", 'nosqli:operator'],
    ['db.accounts.find({})', 'nosqli:mongo-shell'],
    ['db.getCollectionNames()', 'nosqli:mongo-shell'],
    ['1; return true', 'nosqli:js-injection'],
    ["';var x=1; while(true){}", 'nosqli:js-injection'],
    ['x = new Date(); while (new Date() - x < 5000) {}', 'nosqli:js-dos'],
    ["' || '1'=='1", 'nosqli:js-tautology'],
    ["a' && this.password.match(/^x/) //", 'nosqli:js-tautology'],
  ])('%s', (v, s) => expect(stamp(v, POST_JSON)).toBe(s));

  describe('operator keys in JSON bodies that carry a query document by design', () => {
    const key = (...path: Array<[string] | [string, string | number]>): DetectContext => ({ point: [['post'], ['json_doc'], ...path], kind: 'name', root: 'post' });
    it.each([
      ['$and', key(['hash', 'filters'], ['hash', '$and'])],
      ['$eq', key(['hash', 'filters'], ['hash', '$and'], ['array', 0], ['hash', 'status'], ['hash', '$eq'])],
      ['$in', key(['hash', 'where'], ['hash', 'tags'], ['hash', '$in'])],
      ['$match', key(['array', 0], ['hash', '$match'])],
      ['$gte', key(['array', 0], ['hash', '$match'], ['hash', 'amount'], ['hash', '$gte'])],
      ['$group', key(['array', 1], ['hash', '$group'])],
    ])('%s passes', (v, c) => expect(stamp(v, c)).toBeNull());
    it.each([
      ['$where', key(['hash', 'filter'], ['hash', '$where'])],
      ['$function', key(['hash', 'query'], ['hash', '$function'])],
      ['$lookup', key(['array', 0], ['hash', '$lookup'])],
      ['$unionWith', key(['array', 2], ['hash', '$unionWith'])],
      ['$or', key(['hash', '$or'])],
      ['$ne', key(['hash', 'password'], ['hash', '$ne'])],
      ['$gt', key(['hash', 'user'], ['hash', 'age'], ['hash', '$gt'])],
    ])('%s is flagged', (v, c) => expect(stamp(v, c)).toBe('nosqli:operator'));
    it('an operator passed inside a query document is judged again elsewhere in the same request', () => {
      // the engine's clean-value memo must not carry the exemption over to an ordinary field
      const pad = Array.from({ length: 80 }, (_, i) => `value number ${i}`);
      const body = JSON.stringify({ pad, filters: { status: { $ne: 'draft' } }, password: { $ne: 'x' } });
      const r = new WafEngine().analyze(req('POST', '/api/login', [['Content-Type', 'application/json']], body));
      expect(r.hits.filter((h) => h.type === 'nosqli').map((h) => JSON.stringify(h.point))).toEqual([
        JSON.stringify([['post'], ['json_doc'], ['hash', 'password'], ['hash', '$ne']]),
      ]);
    });
    it('a query document inside a query-string parameter is not a body design', () => {
      const c: DetectContext = { point: [['get', 'where'], ['json_doc'], ['hash', 'password'], ['hash', '$regex']], kind: 'name', root: 'get' };
      expect(stamp('$regex', c)).toBe('nosqli:operator');
    });
  });
  it.each([
    "'; db.dropDatabase(); '",
    '1 || db.getCollectionNames().length > 0',
    "';return db.users.find()//",
    'x"}); db.users.remove({})',
    '  db.users.find({})',
  ])('shell calls where injected code starts a statement: %s', (v) => expect(stamp(v, POST_JSON)).toBe('nosqli:mongo-shell'));
  it.each([
    "app.get('/users/:id', async (req, res) => { res.json(await db.users.findById(req.params.id)); });",
    'const users = await db.users.find({ active: true }).toArray()',
    'return res.json(db.orders.count())',
  ])('application code passes: %s', (v) => expect(stamp(v, POST_JSON)).toBeNull());
  it.each([
    'I paid $100 for it: worth it',
    'the price is $gt than expected',
    'db.example.com',
    'var x = 5; console.log(x)',
    'return policy: 30 days',
    '{"price": 5, "currency": "$"}',
    '$ne is a Mongo operator',
    'this.state.value',
  ])('passes %s', (v) => expect(stamp(v, POST_JSON)).toBeNull());
});
