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

  describe('Twig / Jinja filters handed a PHP callable', () => {
    it.each([
      "{{ [0]|map('shell_exec')|join }}",
      "{{'cat /etc/hosts'|filter('passthru')}}",
      '{{ ["id"]|reduce("system", 0) }}',
      "{{ ['whoami']|sort('proc_open') }}",
      "{{ ['x']|map('App\\\\Util::run') }}",
      "{%- set out = ['id']|map('exec') -%}",
    ])('%s', (v) => expect(stamp(v)).toBe('ssti:jinja'));
    it.each([
      "{{ users|map('upper')|join(', ') }}",
      "{{ items|sort(attribute='name') }}",
      "{{ names|map(attribute='first')|join }}",
      '{{ users|filter(u => u.active) }}',
      "{{ posts|select('odd') }}",
    ])('passes %s', (v) => expect(stamp(v)).toBeNull());
  });

  describe('framework globals that hold the secrets', () => {
    it.each([
      '{{ config }}',
      '{{config|pprint}}',
      '{{ config.SECRET_KEY }}',
      "{{ config['SQLALCHEMY_DATABASE_URI'] }}",
      '{{ settings.SECRET_KEY }}',
      '{{ self }}',
      '{{ _self.env.display("x") }}',
      "{{ _context|keys|join(',') }}",
      '{{ app.session.all|json_encode }}',
      '{{ app.request.headers }}',
      '{{ request.environ }}',
      '{% print config %}',
      '{% debug %}',
    ])('%s', (v) => expect(stamp(v)).toBe('ssti:jinja'));
    it.each([
      '{{ config.title }}',
      '{{ self.sidebar() }}',
      '{{ app.user.username }}',
      '{{ request.path }}',
      '{% if debug %}on{% endif %}',
      'Hello {{ first_name }}, your settings were saved',
      'the config file and the app settings',
    ])('passes %s', (v) => expect(stamp(v)).toBeNull());
  });

  describe('FreeMarker square-bracket syntax', () => {
    it.each([
      "[#assign ex='freemarker.template.utility.ObjectConstructor'?new()]",
      '[#assign x = 1]${x}',
      '[=7*7]',
      '[=ex?new()("id")]',
    ])('%s', (v) => expect(stamp(v)).not.toBeNull());
    it.each(['[=x]', 'see [#4521] and [#list]', 'array [= 3 ]'])('passes %s', (v) => expect(stamp(v)).toBeNull());
  });

  describe('Razor', () => {
    it.each([
      '@(7*7)',
      '@System.Diagnostics.Process.Start("cmd.exe","/c whoami")',
      '@System.IO.File.ReadAllText("C:\\\\boot.ini")',
      '@Environment.GetEnvironmentVariable("PATH")',
      'x @Process.Start("calc")',
      '@{ var p = System.Diagnostics.Process.Start("notepad"); }',
      '@(System.Reflection.Assembly.Load(bytes))',
    ])('%s', (v) => expect(stamp(v)).not.toBeNull());
    it.each([
      'bob@System.Diagnostics.example.com',
      'Contact @Microsoft.Support for help',
      'we use @System.Text.Json for parsing',
      'the @Model.Name helper',
      '@(DateTime.Now)',
      'ping @(team) about it',
    ])('passes %s', (v) => expect(stamp(v)).toBeNull());
  });

  it('finishes quickly on long runs of openers', () => {
    for (const frag of ['@(', '@S', '[=', '{{config', "|map('", '@System.', '{%']) {
      const v = frag.repeat(Math.ceil(100_000 / frag.length));
      const t = performance.now();
      ssti.detect(v, GET);
      expect(performance.now() - t, frag).toBeLessThan(1000);
    }
  });

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
