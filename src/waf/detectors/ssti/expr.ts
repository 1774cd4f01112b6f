// How an expression inside template delimiters is judged (ssti.ts finds the delimiters): what it does
// decides, not that it is there — `{{ user.name }}` is a template variable, `{{ config }}` dumps the
// application's settings, `{{ ['id']|filter('system') }}` runs a command.

/** Arithmetic on literals only: the `{{7*7}}` probe. */
export const ARITH = /^\s*[-+]?\d+(?:\.\d+)?\s*[-+*/%]\s*['"]?[-+]?\d+(?:\.\d+)?['"]?\s*(?:[-+*/%]\s*\d+\s*)*$/;

/** .NET APIs that run programs, touch files, load code or read the environment (Razor, EL on .NET). */
const DOTNET =
  'System\\s*\\.\\s*(?:Diagnostics\\s*\\.\\s*Process|IO\\s*\\.\\s*(?:File|Directory)|Reflection|Environment|Runtime\\s*\\.\\s*InteropServices|Net\\s*\\.\\s*WebClient|Management\\s*\\.\\s*Automation|Activator|AppDomain|Type\\s*\\.\\s*GetType)\\b' +
  '|Process\\s*\\.\\s*Start\\s*\\(|Activator\\s*\\.\\s*CreateInstance|Assembly\\s*\\.\\s*Load|AppDomain\\s*\\.\\s*CurrentDomain' +
  '|Environment\\s*\\.\\s*(?:GetEnvironmentVariables?|SetEnvironmentVariable|CurrentDirectory|MachineName|UserName|Exit)\\b';

/** A Razor implicit expression `@Name...` that starts with one of those APIs. */
export const DOTNET_AT_START = new RegExp(`^(?:${DOTNET})`);

/** Introspection, reflection, class loading and execution in the languages behind template engines. */
export const DANGER = new RegExp(
  [
    '__(?:class|mro|subclasses|globals|builtins|import|init|getattribute|dict|base|bases|reduce|code)__',
    '_templatereference__context', '\\|\\s*attr\\s*\\(', '\\bmro\\s*\\(', '\\bgetattr\\s*\\(', '\\blipsum\\b', '\\bcycler\\b',
    '\\bjoiner\\b', '\\bnamespace\\s*\\.\\s*__', '\\brequest\\s*\\.\\s*(?:application|environ|server|__)', '\\bconfig\\s*\\.\\s*(?:items|__class__|from)',
    '\\burl_for\\s*\\.', '\\bget_flashed_messages\\b', '\\bself\\s*\\.\\s*(?:__|_template|_context)',
    '\\bt\\s*\\(\\s*[a-z_]\\w*(?:\\.\\w+)+\\s*\\)', '\\bjava\\.lang\\.', '\\bgetclass\\s*\\(', '\\bforname\\s*\\(', '\\bgetruntime\\s*\\(', '\\bprocessbuilder\\b',
    '\\bclassloader\\b', '\\bclass\\s*\\.\\s*(?:forname|classloader|module)', '\\bnew\\s+java\\.', '\\bscriptengine', '\\bjavax\\.',
    '\\?\\s*new\\s*\\(', '\\?\\s*api\\b', '\\?\\s*(?:eval|interpret)\\b', 'freemarker\\.template', '\\bexecute\\s*\\(',
    '\\bobjectconstructor\\b', '\\bstatics\\b', '\\b_self\\s*\\.\\s*env', 'registerundefinedfiltercallback', 'getfilter\\s*\\(',
    '\\$smarty\\.', '\\bconstructor\\s*\\.\\s*constructor', '\\bconstructor\\s*\\(', '\\bprocess\\s*\\.\\s*(?:mainmodule|binding|env)',
    '\\brequire\\s*\\(', '\\bchild_process\\b', '\\bglobal\\s*\\.\\s*process', '\\bos\\s*\\.\\s*(?:popen|system)', '\\bsubprocess\\b',
    '\\bimport\\s+os\\b', '\\bsystem\\s*\\(', '\\bexec\\s*\\(', '\\beval\\s*\\(', '\\bpopen\\s*\\(', '\\bpassthru\\s*\\(',
    '\\bshell_exec\\s*\\(', '@\\s*(?:print|system|eval|exec|passthru|assert|phpinfo)\\s*\\(', '\\bphpinfo\\s*\\(',
    '\\bfile\\s*\\.\\s*(?:open|read|write)', '\\bio\\s*\\.\\s*(?:popen|read)', '\\bdir\\s*\\.\\s*(?:entries|glob)',
    '\\$class\\s*\\.', '\\.inspect\\s*\\(', '\\bruntime\\b', '\\bfrom_pyfile\\b', '\\bdebug\\s*\\.\\s*', '\\bsettings\\s*\\.\\s*secret',
    '\\bmd5\\s*\\(', '\\bprint\\s*\\(', DOTNET,
  ].join('|'),
  'i',
);

/**
 * PHP functions that run commands, read or write files, load code or leak the configuration: what a
 * Twig higher-order filter given a callable name instead of an arrow function will call.
 */
const PHP_CALLABLES = new Set([
  'system', 'exec', 'shell_exec', 'passthru', 'popen', 'proc_open', 'pcntl_exec', 'assert', 'eval', 'call_user_func',
  'call_user_func_array', 'create_function', 'file_get_contents', 'file_put_contents', 'readfile', 'fopen', 'file',
  'unlink', 'include', 'require', 'phpinfo', 'highlight_file', 'show_source', 'unserialize', 'putenv', 'getenv',
  'mail', 'dl', 'ini_set', 'parse_ini_file', 'glob', 'scandir', 'opendir', 'symlink', 'copy', 'rename', 'chmod',
]);

/** `|map('system')`, `|filter("exec")`, `|sort('passthru')`, `|reduce('Class::method')`. */
const CALLABLE_FILTER = /\|\s*(?:map|filter|sort|reduce|find|each|apply|invoke)\s*\(\s*(["'])\\?([\w\\]{1,80}(?:::\w{1,80})?)\1/gi;

function callableFilter(body: string): boolean {
  if (body.indexOf('|') < 0) return false;
  CALLABLE_FILTER.lastIndex = 0;
  let m: RegExpExecArray | null;
  for (let k = 0; k < 16 && (m = CALLABLE_FILTER.exec(body)) !== null; k++) {
    const name = m[2]!;
    if (name.indexOf('::') >= 0 || PHP_CALLABLES.has(name.toLowerCase())) return true;
  }
  return false;
}

/**
 * The objects template engines hand every template that hold the application's secrets and the
 * server's state: printed whole (`{{config}}`, `{{ self }}`, `{{ settings|pprint }}`), their
 * upper-case settings (`config.SECRET_KEY`), Twig's internals (`_self`, `_context`), Symfony's `app`
 * request server bag and session. Ordinary template variables (`user.name`, `config.title`) pass.
 */
const GLOBAL_DUMP = /^\s*(?:config|settings|self|_self|_context|request|app|environ)\s*(?:\|[\s\w|(),'"]*)?$/;
const GLOBAL_ACCESS =
  /\b_self\b|\b_context\b|\b(?:config|settings)\s*(?:\.\s*[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\.\s*SECRET|\[\s*["'][A-Z][A-Z0-9_]+["'])|\bapp\s*\.\s*(?:request\s*\.\s*(?:server|headers|cookies|files|attributes)|session\b|token\b|environment\b)/;

/** The Jinja-family `{{ }}` / `{% %}` expression: filters with callables, globals, `debug`. */
export function judgeJinja(body: string, statement: boolean): boolean {
  if (statement) {
    if (/^\s*debug\s*$/.test(body)) return true; // Django/Jinja `{% debug %}` prints the whole context
    const m = /^\s*(?:print|set\s+\w+\s*=|if|for\s+\w+\s+in)\s+/.exec(body);
    if (m) body = body.slice(m[0].length);
  }
  return callableFilter(body) || GLOBAL_DUMP.test(body) || GLOBAL_ACCESS.test(body);
}
