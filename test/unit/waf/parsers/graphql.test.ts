import { describe, expect, it } from 'vitest';
import { at, collect, namesAt, req } from './helpers.js';

describe('GraphQL parser', () => {
  it('yields argument values from a JSON GraphQL request', () => {
    const q = 'query Q($id: ID = "dflt") { user(id: "1 union select 2", role: ADMIN) { name } }';
    const s = collect(req('POST', '/graphql', [['Content-Type', 'application/json']], JSON.stringify({ query: q, variables: { id: 'v' } })));
    const base = [['post'], ['json_doc'], ['hash', 'query'], ['gql']];
    expect(at(s, [...base, ['gql_arg', 'id']] as never)).toContain('1 union select 2');
    expect(at(s, [...base, ['gql_arg', 'role']] as never)).toEqual(['ADMIN']);
    expect(at(s, [...base, ['gql_op']] as never)).toEqual(['Q']);
    expect(at(s, [['post'], ['json_doc'], ['hash', 'variables'], ['hash', 'id']])).toEqual(['v']);
  });

  it('parses application/graphql bodies and GET query parameters, flagging introspection fields', () => {
    const s = collect(req('POST', '/graphql', [['Content-Type', 'application/graphql']], '{ __schema { types { name } } }'));
    expect(namesAt(s, [['post'], ['gql'], ['gql_field', '__schema']])).toEqual(['__schema']);
    const g = collect(req('GET', '/graphql?query=' + encodeURIComponent('{ search(text: "<script>") { id } }')));
    expect(at(g, [['get', 'query'], ['gql'], ['gql_arg', 'text']])).toEqual(['<script>']);
  });

  it('finds a GraphQL document posted without a content type, and leaves prose and JSON alone', () => {
    const m = collect(req('POST', '/graphql', [], 'mutation { login(user: "admin\'--", pass: "x") { token } }'));
    expect(at(m, [['post'], ['gql'], ['gql_arg', 'user']])).toEqual(["admin'--"]);
    const anon = collect(req('POST', '/api', [], '{ order(id: "7 or 1=1") { total } }'));
    expect(at(anon, [['post'], ['gql'], ['gql_arg', 'id']])).toEqual(['7 or 1=1']);
    for (const body of ['Dear team, please find the query below.', '{"query": "x"}', 'query=a&b=2']) {
      const s = collect(req('POST', '/x', [], body));
      expect(s.some((v) => v.point.some((p) => p[0] === 'gql'))).toBe(false);
    }
  });
});
