import { describe, it, expect } from 'vitest';
import { ssti } from '../../../../src/waf/detectors/ssti.js';
import { GET } from './helpers.js';

const stamp = (v: string) => ssti.detect(v, GET)?.stamp ?? null;

describe('ssti detector', () => {
  it('has the right type', () => expect(ssti.type).toBe('ssti'));
  it.each([
    '{{ 9*9 }}',
    "{{7*'7'}}",
    '${ 41*41 }',
    '#{3*3}',
    '<%= 6*6 %>',
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    '{{ cycler.__init__.__globals__.os.popen("id").read() }}',
    "{{ request|attr('application') }}",
    '{% import os %}{{ os.popen("x") }}',
    '${T(java.lang.Runtime).getRuntime().exec("x")}',
    '#{"".getClass().forName("java.lang.Runtime")}',
    '*{T(org.x.Y).z()}',
    '<#assign cmd="freemarker.template.utility.Execute"?new()>',
    '${"x"?new()}',
    '#set($r = $x.getClass())',
    '{php}echo 1;{/php}',
    '{system("id")}',
    '<%= `id` %>',
    '${@eval(x)}',
    '__${T(a.b)}__::x',
    'a\\u007b\\u007b5*5\\u007d\\u007db',
  ])('%s', (v) => expect(stamp(v)).not.toBeNull());

  it.each([
    '{{ user.name }}',
    '{{name}}',
    'Hello ${firstName}',
    '#{id}',
    '{% if user %}hi{% endif %}',
    '{"a":{"b":1}}',
    'the set {1, 2, 3}',
    'price * 2',
    '<% if x %>',
    'array[[1,2],[3,4]]',
    'Costs 50<% of budget',
  ])('passes %s', (v) => expect(stamp(v)).toBeNull());
});
