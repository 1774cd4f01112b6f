// The node console: one self-contained page (inline CSS and JS, no CDN, no build step) over the JSON
// API. Attack payloads are hostile text: the script only ever puts them in the DOM through textContent.

const CSS = `
:root{--bg:#f6f7f9;--fg:#1d2330;--mut:#6b7385;--line:#dde1e8;--acc:#2454d6;--red:#c62f2f;--amb:#b7791f;--grn:#2f855a}
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;gap:16px;align-items:center;padding:10px 18px;background:#111827;color:#fff}
header h1{font-size:17px;margin:0;font-weight:600}header .sp{flex:1}
header select,header input{font:inherit;padding:3px 6px;border-radius:4px;border:1px solid #444;background:#1f2937;color:#fff}
main{padding:14px 18px;display:grid;gap:14px;grid-template-columns:minmax(0,2fr) minmax(0,1fr)}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 12px;min-width:0}
section h2{font-size:14px;margin:0 0 8px;display:flex;gap:8px;align-items:center}
.wide{grid-column:1/-1}
table{width:100%;border-collapse:collapse;font-size:13px}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--mut);font-weight:500}tbody tr{cursor:pointer}tbody tr:hover{background:#eef2ff}tr.sel{background:#dbe4ff}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;word-break:break-all}
.badge{display:inline-block;padding:0 6px;border-radius:9px;font-size:12px;color:#fff;background:var(--mut)}
.b-Blocked,.b-blocked,.b-deny{background:var(--red)}.b-Partially{background:var(--amb)}.b-Monitoring,.b-monitored,.b-gray{background:#6b7385}.b-allow{background:var(--grn)}
form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin-bottom:8px}
form label{display:flex;flex-direction:column;font-size:12px;color:var(--mut)}form input,form select{font:inherit;padding:3px 5px;border:1px solid var(--line);border-radius:4px}
button{font:inherit;padding:4px 10px;border-radius:4px;border:1px solid var(--acc);background:var(--acc);color:#fff;cursor:pointer}button.ghost{background:#fff;color:var(--acc)}
#chart svg{width:100%;height:180px;display:block}.legend{display:flex;flex-wrap:wrap;gap:10px;font-size:12px;margin-top:4px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 10px;margin:0}dt{color:var(--mut)}dd{margin:0;min-width:0}
.muted{color:var(--mut)}.err{color:var(--red)}.pager{display:flex;gap:8px;align-items:center;margin-top:6px;font-size:12px}
`;

const JS = String.raw`
(function(){
'use strict';
var COLORS={sqli:'#d64545',xss:'#d67f22',rce:'#8e44ad',ptrav:'#2a7ab0',crlf:'#16a085',nosqli:'#c0392b',xxe:'#7f8c8d',ldapi:'#27ae60',scanner:'#95a5a6',ssti:'#e67e22',ssi:'#9b59b6',mail_injection:'#34495e',ssrf:'#1abc9c',redir:'#f39c12',data_bomb:'#6d214f',invalid_xml:'#b33939',overlimit_res:'#84817a',vpatch:'#2c3e50',blocked_source:'#111827'};
var state={token:sessionStorage.getItem('pc-token')||'',hitOffset:0,attackOffset:0,attackId:'',selected:''};
var m=/[#&]token=([^&]+)/.exec(location.hash);if(m){state.token=decodeURIComponent(m[1]);sessionStorage.setItem('pc-token',state.token);history.replaceState(null,'',location.pathname);}
function $(id){return document.getElementById(id);}
function el(tag,attrs,kids){var e=document.createElement(tag);if(attrs)for(var k in attrs){if(k==='text')e.textContent=attrs[k];else if(k==='cls')e.className=attrs[k];else e.setAttribute(k,attrs[k]);}
 (kids||[]).forEach(function(c){if(c!=null)e.appendChild(typeof c==='string'?document.createTextNode(c):c);});return e;}
function api(path,opts){opts=opts||{};var h={'accept':'application/json'};if(state.token)h.authorization='Bearer '+state.token;if(opts.body){h['content-type']='application/json';}
 return fetch(path,{method:opts.method||'GET',headers:h,body:opts.body?JSON.stringify(opts.body):undefined}).then(function(r){
  if(r.status===401){$('auth').hidden=false;throw new Error('token required');}
  if(r.status===204)return null;return r.json().then(function(b){if(!r.ok)throw new Error((b&&b.error&&b.error.message)||('HTTP '+r.status));return b;});});}
function fmtTime(s){var d=new Date(s);return isNaN(d)?'':d.toISOString().replace('T',' ').slice(0,19);}
function pointText(p){if(!p||!p.length)return '-';return p.map(function(x){return x.length>1?x[0]+'.'+x[1]:x[0];}).join('.');}
function badge(t){return el('span',{cls:'badge b-'+String(t).split(' ')[0],text:t});}
function filters(){var f=$('filters');var q=[];['type','ip','verdict'].forEach(function(k){var v=f.elements[k].value.trim();if(v)q.push(k+'='+encodeURIComponent(v));});
 ['from','to'].forEach(function(k){var v=f.elements[k].value;if(v){var d=new Date(v);if(!isNaN(d))q.push(k+'='+encodeURIComponent(d.toISOString()));}});return q;}
function showError(e){$('error').textContent=e?String(e.message||e):'';}

function loadStatus(){return api('/v1/status').then(function(s){$('mode').value=s.mode;$('state').textContent=s.state+(s.application?' · app '+s.application:'');});}
function loadChart(){var f=$('filters');var to=f.elements.to.value?new Date(f.elements.to.value):new Date();var from=f.elements.from.value?new Date(f.elements.from.value):new Date(to.getTime()-24*3600e3);
 var q=filters().filter(function(x){return !/^(from|to)=/.test(x);});return api('/v1/stats/timeline?buckets=24&from='+encodeURIComponent(from.toISOString())+'&to='+encodeURIComponent(to.toISOString())+(q.length?'&'+q.join('&'):'')).then(function(t){drawChart(t);});}
function drawChart(t){var box=$('chart');box.textContent='';var NS='http://www.w3.org/2000/svg';var W=Math.max(320,Math.round(box.clientWidth||720)),H=180,P=28;
 var n=0,max=1;t.types.forEach(function(ty){n=Math.max(n,t.series[ty].length);});if(!n)n=24;
 var totals=new Array(n).fill(0);t.types.forEach(function(ty){t.series[ty].forEach(function(v,i){totals[i]+=v;});});totals.forEach(function(v){if(v>max)max=v;});
 var svg=document.createElementNS(NS,'svg');svg.setAttribute('viewBox','0 0 '+W+' '+H);svg.setAttribute('role','img');svg.setAttribute('aria-label','attacks over time by type');
 var axis=document.createElementNS(NS,'line');axis.setAttribute('x1',P);axis.setAttribute('x2',W);axis.setAttribute('y1',H-P);axis.setAttribute('y2',H-P);axis.setAttribute('stroke','#aaa');svg.appendChild(axis);
 var lbl=document.createElementNS(NS,'text');lbl.setAttribute('x',2);lbl.setAttribute('y',12);lbl.setAttribute('font-size','11');lbl.setAttribute('fill','#6b7385');lbl.textContent=String(max);svg.appendChild(lbl);
 var bw=(W-P)/n;var base=new Array(n).fill(0);
 t.types.forEach(function(ty){t.series[ty].forEach(function(v,i){if(!v)return;var h=(H-P-14)*v/max;var r=document.createElementNS(NS,'rect');
  r.setAttribute('x',P+i*bw+1);r.setAttribute('width',Math.max(1,bw-2));r.setAttribute('y',H-P-base[i]-h);r.setAttribute('height',h);r.setAttribute('fill',COLORS[ty]||'#555');r.setAttribute('data-type',ty);
  var tt=document.createElementNS(NS,'title');tt.textContent=ty+': '+v+' at '+fmtTime(new Date(Date.parse(t.from)+i*t.step));r.appendChild(tt);svg.appendChild(r);base[i]+=h;});});
 [0,Math.floor(n/2),n-1].forEach(function(i){var x=document.createElementNS(NS,'text');x.setAttribute('x',P+i*bw);x.setAttribute('y',H-10);x.setAttribute('font-size','10');x.setAttribute('fill','#6b7385');
  x.textContent=fmtTime(new Date(Date.parse(t.from)+i*t.step)).slice(5,16);svg.appendChild(x);});
 box.appendChild(svg);var lg=el('div',{cls:'legend'});t.types.forEach(function(ty){var sw=el('i');sw.style.background=COLORS[ty]||'#555';lg.appendChild(el('span',null,[sw,ty]));});
 if(!t.types.length)lg.appendChild(el('span',{cls:'muted',text:'no attacks in this period'}));box.appendChild(lg);}

function loadAttacks(){var q=filters();q.push('limit=20','offset='+state.attackOffset);return api('/v1/attacks?'+q.join('&')).then(function(p){var tb=$('attacks').querySelector('tbody');tb.textContent='';
 p.data.forEach(function(a){var tr=el('tr',a.node_id?{'data-id':a.id,'data-node':a.node_id,title:'recorded by node '+a.node_id}:{'data-id':a.id},[el('td',null,[badge(a.type)]),el('td',{cls:'mono',text:a.host+a.path}),el('td',{cls:'mono',text:pointText(a.point)}),
  el('td',{text:a.hits+(a.total>a.hits?' ('+a.total+')':'')}),el('td',null,[badge(a.status)]),el('td',{text:fmtTime(a.last_time)})]);
  if(a.id===state.attackId)tr.className='sel';tr.addEventListener('click',function(){state.attackId=state.attackId===a.id?'':a.id;state.hitOffset=0;loadAttacks();loadHits();});tb.appendChild(tr);});
 if(!p.data.length)tb.appendChild(el('tr',null,[el('td',{colspan:'6',cls:'muted',text:'no attacks'})]));pager('attacks-pager',p,'attackOffset',loadAttacks);});}
function loadHits(){var q=filters();if(state.attackId)q.push('attack_id='+state.attackId);q.push('limit=25','offset='+state.hitOffset);return api('/v1/hits?'+q.join('&')).then(function(p){var tb=$('hits').querySelector('tbody');tb.textContent='';
 $('hits-title').textContent=state.attackId?'Hits of attack '+state.attackId:'Hits';
 p.data.forEach(function(h){var tr=el('tr',{'data-id':h.id},[el('td',{text:fmtTime(h.time)}),el('td',null,[badge(h.type)]),el('td',{cls:'mono',text:h.client_ip||'-'}),
  el('td',{cls:'mono',text:h.method+' '+h.host+h.path}),el('td',{cls:'mono',text:pointText(h.point)}),el('td',null,[badge(h.verdict)]),el('td',{text:h.response_status==null?'':String(h.response_status)})]);
  if(h.id===state.selected)tr.className='sel';tr.addEventListener('click',function(){state.selected=h.id;Array.prototype.forEach.call(tb.children,function(r){r.className=r.getAttribute('data-id')===h.id?'sel':'';});showHit(h);});tb.appendChild(tr);});
 if(!p.data.length)tb.appendChild(el('tr',null,[el('td',{colspan:'7',cls:'muted',text:'no hits'})]));pager('hits-pager',p,'hitOffset',loadHits);});}
function pager(id,p,key,reload){var box=$(id);box.textContent='';var prev=el('button',{cls:'ghost',text:'‹ prev'});var next=el('button',{cls:'ghost',text:'next ›'});
 prev.disabled=p.offset===0;next.disabled=p.next_offset==null;prev.onclick=function(){state[key]=Math.max(0,p.offset-p.limit);reload();};next.onclick=function(){state[key]=p.next_offset;reload();};
 box.appendChild(prev);box.appendChild(el('span',{text:(p.total?p.offset+1:0)+'–'+(p.offset+p.data.length)+' of '+p.total}));box.appendChild(next);}
function showHit(h){var d=$('hit-detail');d.textContent='';var rows=[['Request id',h.request_id],['Time',fmtTime(h.time)],['Type',h.type],['Point',pointText(h.point)],['Point (rules)',JSON.stringify(h.point)],
 ['Payload',h.payload],['Detector',h.detector],['Source',h.source],['Verdict',h.verdict],['Client IP',h.client_ip||'-'],['Target',h.method+' '+h.host+h.path],['Response',h.response_status==null?'-':String(h.response_status)],['Application',h.application||'-'],['Attack',h.attack_id]];
 var dl=el('dl');rows.forEach(function(r){dl.appendChild(el('dt',{text:r[0]}));dl.appendChild(el('dd',{cls:r[0]==='Point'?'mono point':r[0]==='Payload'?'mono payload':'mono',text:r[1]}));});d.appendChild(dl);
 if(h.type!=='blocked_source'){var b=el('button',{cls:'ghost',text:'False positive: stop detecting '+h.type+' here'});b.style.marginTop='8px';
  b.onclick=function(){api('/v1/hits/'+h.id+'/false-positive',{method:'POST',body:{scope:'type'}}).then(function(){refresh();d.appendChild(el('p',{cls:'muted',text:'Rule created; the hit is hidden.'}));}).catch(showError);};d.appendChild(b);}}
function loadLists(){return api('/v1/iplists').then(function(p){var tb=$('iplists').querySelector('tbody');tb.textContent='';
 p.data.forEach(function(e){var del=el('button',{cls:'ghost',text:'×',title:'remove'});del.onclick=function(ev){ev.stopPropagation();api('/v1/iplists/'+e.id,{method:'DELETE'}).then(loadLists).catch(showError);};
  tb.appendChild(el('tr',null,[el('td',{cls:'mono',text:e.ip}),el('td',null,[badge(e.list)]),el('td',{text:e.reason||e.trigger||''}),el('td',{text:e.expires_at?fmtTime(e.expires_at):'forever'}),el('td',{text:e.application||'all'}),el('td',null,[del])]));});
 if(!p.data.length)tb.appendChild(el('tr',null,[el('td',{colspan:'6',cls:'muted',text:'no entries'})]));});}
function loadRules(){return api('/v1/rules').then(function(p){var tb=$('rules').querySelector('tbody');tb.textContent='';
 p.data.forEach(function(r){var what=r.action==='set_mode'?r.mode:r.action==='regex'?r.type+' /'+r.regex+'/'+(r.experimental?' (experimental)':''):r.types?(r.types==='all'?'all':r.types.join(',')):r.stamps?r.stamps.join(','):r.regex?'/'+r.regex+'/':'any';
  tb.appendChild(el('tr',null,[el('td',{text:r.action}),el('td',{cls:'mono',text:(r.host||'*')+' '+(r.path||'')}),el('td',{cls:'mono',text:r.point?pointText(r.point):'-'}),el('td',{cls:'mono',text:what})]));});
 if(!p.data.length)tb.appendChild(el('tr',null,[el('td',{colspan:'4',cls:'muted',text:'no rules'})]));});}
function refresh(){showError('');return Promise.all([loadStatus(),loadChart(),loadAttacks(),loadHits(),loadLists(),loadRules()]).then(function(){document.body.setAttribute('data-loaded','1');}).catch(showError);}
$('filters').addEventListener('submit',function(e){e.preventDefault();state.hitOffset=0;state.attackOffset=0;refresh();});
$('reset').addEventListener('click',function(){$('filters').reset();state.attackId='';state.hitOffset=0;state.attackOffset=0;refresh();});
$('mode').addEventListener('change',function(){api('/v1/mode',{method:'PUT',body:{mode:$('mode').value}}).then(loadStatus).catch(showError);});
$('auth').addEventListener('submit',function(e){e.preventDefault();state.token=$('token').value.trim();sessionStorage.setItem('pc-token',state.token);$('auth').hidden=true;refresh();});
$('addip').addEventListener('submit',function(e){e.preventDefault();var f=e.target;var ttl=f.elements.ttl.value.trim();var body={ip:f.elements.ip.value.trim(),list:f.elements.list.value,reason:f.elements.reason.value};
 if(ttl)body.ttl=ttl==='forever'?'forever':Number(ttl);api('/v1/iplists',{method:'POST',body:body}).then(function(){f.reset();loadLists();}).catch(showError);});
refresh();setInterval(function(){if(!document.hidden)refresh();},15000);
})();
`;

const BODY = `
<header><h1>Portcullis filtering node</h1><span id="state" class="muted"></span><span class="sp"></span>
<label>Mode <select id="mode" aria-label="mode"><option>off</option><option>monitoring</option><option>safe_blocking</option><option>block</option></select></label></header>
<form id="auth" hidden style="padding:8px 18px;background:#fff3cd"><label>API token <input id="token" type="password" autocomplete="off"></label> <button>Use token</button></form>
<p id="error" class="err" style="margin:6px 18px 0"></p>
<main>
<section class="wide"><h2>Filters</h2>
<form id="filters" class="filters">
<label>Type <select name="type"><option value="">any</option>${['sqli', 'xss', 'rce', 'ptrav', 'crlf', 'nosqli', 'xxe', 'ldapi', 'scanner', 'ssti', 'ssi', 'mail_injection', 'ssrf', 'redir', 'data_bomb', 'invalid_xml', 'overlimit_res', 'vpatch', 'blocked_source'].map((t) => `<option>${t}</option>`).join('')}</select></label>
<label>Client IP <input name="ip" size="16"></label>
<label>Verdict <select name="verdict"><option value="">any</option><option>blocked</option><option>monitored</option></select></label>
<label>From <input name="from" type="datetime-local"></label><label>To <input name="to" type="datetime-local"></label>
<button type="submit">Apply</button><button type="button" class="ghost" id="reset">Reset</button></form>
<div id="chart"></div></section>
<section><h2>Attacks</h2><table id="attacks"><thead><tr><th>Type</th><th>Target</th><th>Point</th><th>Hits</th><th>Status</th><th>Last seen</th></tr></thead><tbody></tbody></table><div class="pager" id="attacks-pager"></div></section>
<section><h2>Hit detail</h2><div id="hit-detail" class="muted">Click a hit to see its point and payload.</div></section>
<section class="wide"><h2 id="hits-title">Hits</h2><table id="hits"><thead><tr><th>Time (UTC)</th><th>Type</th><th>Client IP</th><th>Request</th><th>Point</th><th>Verdict</th><th>Status</th></tr></thead><tbody></tbody></table><div class="pager" id="hits-pager"></div></section>
<section><h2>IP lists</h2><table id="iplists"><thead><tr><th>Address</th><th>List</th><th>Reason</th><th>Expires</th><th>App</th><th></th></tr></thead><tbody></tbody></table>
<form id="addip" class="filters" style="margin-top:8px"><label>Address/CIDR <input name="ip" required size="18"></label><label>List <select name="list"><option>deny</option><option>gray</option><option>allow</option></select></label>
<label>Reason <input name="reason" size="12"></label><label>TTL s <input name="ttl" size="7" placeholder="3600"></label><button>Add</button></form></section>
<section><h2>Rules</h2><table id="rules"><thead><tr><th>Action</th><th>Where</th><th>Point</th><th>What</th></tr></thead><tbody></tbody></table></section>
</main>`;

let page: string | null = null;

export function consolePage(): string {
  page ??= `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Portcullis node console</title><style>${CSS}</style></head><body>${BODY}<script>${JS}</script></body></html>`;
  return page;
}
