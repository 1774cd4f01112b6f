import { describe, expect, it } from 'vitest';
import { WafEngine, analyze } from '../../../src/waf/engine.js';
import { pointToFlat, pointToString } from '../../../src/waf/point.js';
import type { Detector } from '../../../src/waf/types.js';
import { fakeDetectors, req } from './parsers/helpers.js';

const eng = new WafEngine({ detectors: fakeDetectors });

describe('WafEngine', () => {
  it('runs detectors on every value and reports hits with points', () => {
    const r = eng.analyze(req('POST', '/x?q=1%20union%20select%202', [['Content-Type', 'application/json']], '{"user":["<script>"]}'));
    const byType = Object.fromEntries(r.hits.map((h) => [h.type + ' ' + pointToString(h.point), h.detector]));
    expect(byType['sqli get.q']).toBe('sqli:fake');
    expect(byType['xss post.json_doc.hash.user.array.0']).toBe('xss:fake');
    expect(r.overlimit).toBe(false);
    expect(r.elapsedUs).toBeGreaterThanOrEqual(0);
  });

  it('keeps one hit per type per point', () => {
    const r = eng.analyze(req('GET', '/?a=%3Cscript%3E&a=%3Cscript%3E'));
    const keys = r.hits.map((h) => h.type + JSON.stringify(h.point));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k === 'xss[["get","a"]]')).toHaveLength(1);
  });

  it('runs detectors on key names with kind "name"', () => {
    const kinds: string[] = [];
    const d: Detector = { type: 'sqli', description: '', detect: (v, ctx) => { if (v === "x' or 1=1") kinds.push(ctx.kind); return null; } };
    new WafEngine({ detectors: [d] }).analyze(req('GET', "/?x'%20or%201%3D1=v"));
    expect(kinds).toContain('name');
  });

  it('gives detectors the root and header context', () => {
    const ctxs: Array<{ root: string; header?: string }> = [];
    const d: Detector = { type: 'scanner', description: '', detect: (v, ctx) => { if (v === 'probe') ctxs.push({ root: ctx.root, header: ctx.header }); return null; } };
    new WafEngine({ detectors: [d] }).analyze(req('GET', '/?a=probe', [['user-agent', 'probe']]));
    expect(ctxs).toContainEqual({ root: 'get', header: undefined });
    expect(ctxs).toContainEqual({ root: 'header', header: 'USER-AGENT' });
  });

  it('honours disabledTypes', () => {
    const e = new WafEngine({ detectors: fakeDetectors, disabledTypes: ['xss'] });
    expect(e.analyze(req('GET', '/?a=%3Cscript%3E')).hits).toEqual([]);
  });

  it('survives detectors that throw', () => {
    const bad: Detector = { type: 'rce', description: '', detect: () => { throw new Error('boom'); } };
    const r = new WafEngine({ detectors: [bad, ...fakeDetectors] }).analyze(req('GET', '/?a=%3Cscript%3E'));
    expect([...new Set(r.hits.map((h) => h.type))]).toEqual(['xss']);
  });

  it('stops at the time budget with an overlimit_res hit', () => {
    const slow: Detector = { type: 'rce', description: '', detect: () => { const t = performance.now(); while (performance.now() - t < 2); return null; } };
    const e = new WafEngine({ detectors: [slow], timeBudgetMs: 20 });
    const qs = Array.from({ length: 200 }, (_, i) => `p${i}=v${i}`).join('&');
    const t0 = performance.now();
    const r = e.analyze(req('GET', '/?' + qs));
    expect(performance.now() - t0).toBeLessThan(200);
    expect(r.overlimit).toBe(true);
    expect(r.hits.filter((h) => h.type === 'overlimit_res')).toHaveLength(1);
  });

  it('caps the number of values examined', () => {
    const e = new WafEngine({ detectors: fakeDetectors, maxValues: 50 });
    const body = Array.from({ length: 500 }, (_, i) => `k${i}=v`).join('&');
    const r = e.analyze(req('POST', '/', [['Content-Type', 'application/x-www-form-urlencoded']], body));
    expect(r.truncated).toBe(true);
    expect(r.hits.map((h) => h.type)).toEqual(['overlimit_res']);
  });

  it('inspects long values in windows without missing a payload at the end', () => {
    const long = 'A'.repeat(300 * 1024) + ' union select 1';
    const r = eng.analyze(req('POST', '/', [['Content-Type', 'text/plain']], long));
    expect(r.hits.map((h) => h.type)).toContain('sqli');
  });

  it('limits the body bytes inspected', () => {
    const e = new WafEngine({ detectors: fakeDetectors, maxBodyBytes: 1024 });
    const r = e.analyze(req('POST', '/', [['Content-Type', 'text/plain']], 'x'.repeat(2048) + '<script>'));
    expect(r.truncated).toBe(true);
    expect(r.hits).toEqual([]);
  });

  it('respects the decoding depth limit', () => {
    let v = '<script>';
    for (let i = 0; i < 12; i++) v = Buffer.from(v).toString('base64');
    const deep = new WafEngine({ detectors: fakeDetectors, maxDepth: 20 }).analyze(req('GET', '/?a=' + encodeURIComponent(v)));
    expect(deep.hits.map((h) => h.type)).toContain('xss');
    const shallow = new WafEngine({ detectors: fakeDetectors, maxDepth: 4 }).analyze(req('GET', '/?a=' + encodeURIComponent(v)));
    expect(shallow.hits).toEqual([]);
  });

  it('never throws on hostile request objects', () => {
    const weird = [
      { method: undefined, url: undefined, headers: undefined },
      { method: 'GET', url: '/', headers: [[1, 2], ['x'], null, ['Content-Type', 'multipart/form-data; boundary=']], body: new Uint8Array([0x2d, 0x2d]) },
      { method: 'GET', url: '%', headers: 'nope', body: 'not bytes' },
    ];
    for (const w of weird) expect(() => eng.analyze(w as never)).not.toThrow();
  });

  it('gives the same answers whether or not the clean-value memo pays off', () => {
    // Thousands of distinct fields switch the memo off for values; a repeated key list keeps it on for
    // names. Attacks placed after either point are still found at every place they occur.
    // a generous budget: on a loaded machine the cold 3,000-field form may take longer than 100 ms
    const patient = new WafEngine({ timeBudgetMs: 10_000 });
    const attack = encodeURIComponent("1' union select password from users--");
    const distinct = Array.from({ length: 3000 }, (_, i) => `f${i}=value+${i}`).join('&');
    const r = patient.analyze(req('POST', '/', [['Content-Type', 'application/x-www-form-urlencoded']], `${distinct}&a=${attack}&b=${attack}&f9=value+9`));
    expect(r.hits.filter((h) => h.type === 'sqli').map((h) => pointToString(h.point))).toEqual(['post.form_urlencoded.a', 'post.form_urlencoded.b']);
    const rows = Array.from({ length: 1500 }, (_, i) => ({ id: i, note: 'ok' }));
    const json = JSON.stringify([...rows, { id: 1, note: '<script>alert(1)</script>' }, { id: 2, note: 'ok' }]);
    const j = patient.analyze(req('POST', '/', [['Content-Type', 'application/json']], json));
    expect(j.hits.map((h) => `${h.type} ${pointToString(h.point)}`)).toEqual(['xss post.json_doc.array.1500.hash.note']);
  });

  it('has a convenience analyze() and point helpers', () => {
    const r = analyze(req('GET', '/?q=%3Cscript%3E'), { detectors: fakeDetectors });
    expect(r.hits[0]!.type).toBe('xss');
    expect(pointToString([['post'], ['json_doc'], ['hash', 'user'], ['array', 0]])).toBe('post.json_doc.hash.user.array.0');
    expect(pointToFlat([['get', 'q']])).toEqual(['get', 'q']);
  });
});
