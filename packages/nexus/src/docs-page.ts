// The human API page at /docs: one self-contained HTML document (inline style and script, nothing
// loaded from elsewhere), rendered from the same workflows as /openapi.json.
import type { NamedWorkflow } from "@dataflow/kernel";
import { executePath, resourcePath } from "./routes.js";

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function section(title: string, workflows: readonly NamedWorkflow[], resource: string | undefined): string {
  const rows = workflows
    .map((wf) => {
      const inputs = wf.inputs.map((i) => `<code>${escape(i.name)}</code>${i.required ? "*" : ""}`).join(" ");
      return `<tr data-workflow="${escape(wf.name)}"><td class="op">${escape(wf.operation ?? wf.name)}</td><td><code>POST ${escape(executePath(wf.name))}</code></td><td class="access ${wf.access}">${wf.access}</td><td>${inputs}</td><td>${escape(wf.description)}</td><td><button type="button" data-try="${escape(wf.name)}">Try</button></td></tr>`;
    })
    .join("\n");
  const rest = resource ? `<p>Resource routes: <code>GET|POST ${escape(resource)}</code>, <code>GET|PATCH|DELETE ${escape(resource)}/{id}</code></p>` : "";
  return `<section><h2>${escape(title)}</h2>${rest}<table><thead><tr><th>Operation</th><th>Endpoint</th><th>Access</th><th>Inputs</th><th>Description</th><th></th></tr></thead><tbody>\n${rows}\n</tbody></table></section>`;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:2rem;max-width:80rem;color:#1d2330}
table{border-collapse:collapse;width:100%;margin-bottom:1rem}th,td{border-bottom:1px solid #dde;padding:.3rem .5rem;text-align:left;vertical-align:top}
code{font:13px ui-monospace,monospace}.access.read{color:#17623a}.access.write{color:#8a5a00}.access.delete{color:#a3161c}
#try{position:fixed;right:1rem;bottom:1rem;width:32rem;background:#fff;border:1px solid #99a;padding:1rem;display:none}#try textarea{width:100%;height:8rem}
#try pre{max-height:14rem;overflow:auto;background:#f4f5f8}`;

// Runs in the browser: posts the inputs typed into the panel to the workflow's execute route.
const SCRIPT = `const panel=document.getElementById("try");let current="";
document.addEventListener("click",async(e)=>{const name=e.target.getAttribute&&e.target.getAttribute("data-try");
if(name){current=name;panel.style.display="block";panel.querySelector("h3").textContent=name;return;}
if(e.target.id==="run"){const out=panel.querySelector("pre");let inputs;try{inputs=JSON.parse(panel.querySelector("textarea").value||"{}")}catch(err){out.textContent=String(err);return;}
const headers={"content-type":"application/json"};const token=panel.querySelector("input").value;if(token)headers.authorization="Bearer "+token;
const res=await fetch("/workflows/"+encodeURIComponent(current)+"/execute",{method:"POST",headers,body:JSON.stringify({inputs})});out.textContent=res.status+"\\n"+JSON.stringify(await res.json(),null,2);}
if(e.target.id==="close")panel.style.display="none";});`;

export function docsPage(workflows: readonly NamedWorkflow[], title: string): string {
  const byModel = new Map<string, NamedWorkflow[]>();
  const custom: NamedWorkflow[] = [];
  for (const wf of workflows) {
    if (!wf.model) custom.push(wf);
    else byModel.set(wf.model.qualifiedName, [...(byModel.get(wf.model.qualifiedName) ?? []), wf]);
  }
  const sections = [...byModel].map(([name, wfs]) => section(name, wfs, resourcePath(wfs[0]!.model!)));
  if (custom.length > 0) sections.push(section("Workflows", custom, undefined));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title><meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body><h1>${escape(title)}</h1><p>${workflows.length} workflows. Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). MCP: <code>/mcp</code>.</p>
${sections.join("\n")}
<div id="try"><h3></h3><label>Bearer token <input type="password"></label><label>Inputs (JSON)<textarea>{}</textarea></label><button type="button" id="run">Run</button> <button type="button" id="close">Close</button><pre></pre></div>
<script>${SCRIPT}</script></body></html>`;
}
