// cmd.exe and PowerShell. After a separator an injected Windows command is a known binary, a
// PowerShell cmdlet or alias, a file with an executable extension (`calc.exe`), an absolute or UNC
// path, or an `%ENV%` expansion (`%COMSPEC% /c`); `net user`, `reg query HKLM\...` and their kin
// are telling by their sub-command. Some shapes mean execution in any context: encoded or
// downloaded PowerShell, the living-off-the-land binaries fetching or running remote code
// (certutil, bitsadmin, mshta, regsvr32, rundll32, msiexec, wmic), shadow-copy deletion, hive dumps,
// account creation.
import type { ShellCommand } from '../../lexers/shell.js';

/** PowerShell cmdlets an injection uses (lower-case). */
export const CMDLETS = new Set([
  'invoke-expression', 'invoke-webrequest', 'invoke-restmethod', 'invoke-command', 'invoke-item', 'invoke-wmimethod',
  'invoke-cimmethod', 'invoke-shellcode', 'invoke-mimikatz', 'start-process', 'start-job', 'start-bitstransfer',
  'new-object', 'new-service', 'new-itemproperty', 'new-localuser', 'new-scheduledtask', 'register-scheduledtask',
  'get-content', 'set-content', 'add-content', 'out-file', 'get-childitem', 'get-process', 'get-service', 'get-wmiobject',
  'get-ciminstance', 'get-localuser', 'get-localgroupmember', 'get-acl', 'get-itemproperty', 'set-itemproperty',
  'get-credential', 'get-hotfix', 'get-computerinfo', 'get-netipconfiguration', 'get-aduser', 'remove-item',
  'copy-item', 'stop-process', 'stop-service', 'set-mppreference', 'add-mppreference', 'set-executionpolicy',
  'add-type', 'import-module', 'add-localgroupmember', 'test-netconnection', 'resolve-dnsname', 'clear-eventlog',
]);
/**
 * PowerShell aliases (`iex`, `iwr`): short words that are also names elsewhere (IEX, the exchange), so
 * they count with PowerShell-looking arguments or fed from a pipe.
 */
export const PS_ALIASES = ['iex', 'iwr', 'irm', 'saps', 'gwmi', 'icm'];
const ALIASES = new Set(PS_ALIASES);
/** cmd.exe built-ins and system programs that read as English words: telling with these sub-commands. */
const SUBCOMMANDS: Record<string, RegExp> = {
  net: /^(?:user|users|localgroup|group|share|view|use|session|accounts|config|start|stop|time)$/i,
  net1: /^(?:user|localgroup|group|share|view|use|session|accounts)$/i,
  reg: /^(?:query|add|save|delete|export|import|load|copy|restore)$/i,
  sc: /^(?:query|queryex|create|config|start|stop|qc|delete|sdshow)$/i,
  query: /^(?:user|session|process)$/i,
  at: /^\d{1,2}:\d{2}$/,
};
/** Windows system programs no English text names: after a separator they are a command whatever follows. */
const WIN_ONLY = new Set([
  'vssadmin', 'wevtutil', 'bcdedit', 'netsh', 'icacls', 'cacls', 'takeown', 'nltest', 'dsquery', 'qwinsta', 'quser', 'cmstp',
  'certreq', 'esentutl', 'ntdsutil', 'diskshadow', 'wbadmin', 'psexec', 'procdump', 'net1', 'regsvcs', 'findstr', 'certutil',
  'bitsadmin', 'wmic', 'systeminfo', 'tasklist', 'taskkill', 'regsvr32', 'rundll32', 'mshta', 'cscript', 'wscript', 'schtasks',
  'msiexec', 'installutil', 'regasm', 'odbcconf', 'forfiles', 'ipconfig', 'powershell', 'pwsh',
]);
const EXEC_EXT = /\.(?:exe|bat|cmd|ps1|psm1|vbs|vbe|jse|wsf|wsh|hta|scr|msi|cpl)$/i;
const WIN_SEPS = new Set(['&', '&&', '|', '||', ';', '\n', '\r', '(']);

const SHAPE_CHARS = /[.%\\-]/;

/** A Windows command by its shape rather than its name, for the prefilter and the lexer filter. */
export function windowsShape(word: string): 'cmdlet' | 'exe' | 'env' | 'path' | null {
  if (!SHAPE_CHARS.test(word)) return null;
  const w = word.toLowerCase();
  if (CMDLETS.has(w)) return 'cmdlet';
  if (w.charCodeAt(0) === 37 /* % */ && /^%[a-z_][\w()]{1,30}%/.test(w)) return 'env';
  if (w.length < 128 && EXEC_EXT.test(w) && /^[\w.:\\/ -]+$/.test(w)) return /^(?:[a-z]:)?\\|^[a-z]:\/|^\\\\/.test(w) ? 'path' : 'exe';
  if (/^(?:[a-z]:\\|\\\\[\w.-]+\\)/.test(w)) return 'path';
  return null;
}

/** What the prefilter (programs.ts) looks for: `.exe`-style extensions and cmdlet verbs (`Invoke-`). */
export const EXEC_EXTENSIONS = ['exe', 'bat', 'cmd', 'ps1', 'vbs', 'hta', 'scr', 'msi'];
export const CMDLET_VERBS = ['invoke', 'get', 'set', 'start', 'new', 'out', 'add', 'remove', 'copy', 'stop', 'import', 'register', 'test', 'resolve', 'clear'];

/** An injected Windows command after a separator (injected context only), or null. */
export function windowsCommand(cmd: ShellCommand): string | null {
  if (cmd.via !== 'separator' || !WIN_SEPS.has(cmd.sep)) return null;
  const shape = windowsShape(cmd.word);
  if (shape === 'cmdlet' || (ALIASES.has(cmd.name) && cmd.args.some((a) => /^(?:-[a-z]|https?:|\$)/i.test(a.text)))) return 'rce:powershell-command';
  if (shape !== null || WIN_ONLY.has(cmd.name)) return 'rce:windows-command';
  const sub = SUBCOMMANDS[cmd.name];
  if (sub && cmd.args.length > 0 && sub.test(cmd.args[0]!.text)) return 'rce:windows-command';
  return null;
}

const PS_ENCODED = /^-(?:e|ec|en|enc|enco|encod|encode|encoded|encodedc\w*)$/i;
const PS_CRADLE = /\b(?:iex|invoke-expression|downloadstring|downloadfile|downloaddata|net\.webclient|invoke-webrequest|iwr|irm|invoke-restmethod|start-bitstransfer|frombase64string|net\.sockets|tcpclient|reflection\.assembly)\b/i;
const URLISH = /^(?:https?|ftp|file|javascript|vbscript):|^\\\\|^\/i:https?:/i;

/**
 * Execution shapes of Windows programs, in any context: `text` is the value from the command word on
 * (its arguments, and what follows), `name` the program.
 */
export function windowsDanger(name: string, cmd: ShellCommand, text: string): string | null {
  const args = cmd.args;
  const has = (re: RegExp): boolean => args.some((a) => re.test(a.text));
  switch (name) {
    case 'powershell':
    case 'pwsh':
      if (args.some((a, k) => PS_ENCODED.test(a.text) && (args[k + 1]?.text.length ?? 0) >= 16)) return 'rce:powershell-encoded';
      if (PS_CRADLE.test(text)) return 'rce:powershell-download';
      if (has(/^-(?:w|win\w*)$/i) && has(/^hidden$/i)) return 'rce:powershell-hidden';
      if (has(/^-(?:ep|exec\w*)$/i) && has(/^bypass$/i) && has(/^\\\\|^https?:/i)) return 'rce:powershell-download';
      return null;
    case 'iex':
    case 'invoke-expression':
      // runs whatever the expression yields (`iex (iwr ...)`, `iex $code`): a download cradle in practice
      return /^\S+\s*[($[]/.test(text) ? 'rce:powershell-download' : null;
    case 'certutil':
      return has(/^[-/](?:urlcache|decode|decodehex|verifyctl)$/i) ? 'rce:windows-lolbin' : null;
    case 'bitsadmin':
      return has(/^\/(?:transfer|addfile|create|setnotifycmdline)$/i) ? 'rce:windows-lolbin' : null;
    case 'mshta':
    case 'msiexec':
    case 'regsvr32':
    case 'rundll32':
      return args.some((a) => URLISH.test(a.text) || /^javascript:/i.test(a.raw) || /scrobj\.dll$/i.test(a.text)) ? 'rce:windows-lolbin' : null;
    case 'wmic':
      return /\bprocess\s+call\s+create\b|\/node:/i.test(text) ? 'rce:windows-lolbin' : null;
    case 'schtasks':
      return has(/^\/create$/i) ? 'rce:windows-persistence' : null;
    case 'vssadmin':
    case 'wbadmin':
      return has(/^delete$/i) ? 'rce:windows-destructive' : null;
    case 'wevtutil':
      return /^(?:cl|clear-log)$/i.test(args[0]?.text ?? '') ? 'rce:windows-destructive' : null;
    case 'bcdedit':
      return /\brecoveryenabled\s+no\b|\bbootstatuspolicy\s+ignoreallfailures\b/i.test(text) ? 'rce:windows-destructive' : null;
    case 'reg':
      // dumping the account hives; querying SAM / SECURITY
      if (/^(?:save|export)$/i.test(args[0]?.text ?? '')) return /\bhk(?:lm|ey_local_machine)\\+(?:sam|security|system)\b/i.test(text) ? 'rce:windows-credentials' : null;
      return /^query$/i.test(args[0]?.text ?? '') && /\bhk(?:lm|ey_local_machine)\\+(?:sam|security)\b/i.test(text) ? 'rce:windows-credentials' : null;
    case 'net':
    case 'net1':
      return /^(?:user|localgroup)$/i.test(args[0]?.text ?? '') && has(/^\/add$/i) ? 'rce:windows-account' : null;
    default:
      return null;
  }
}
