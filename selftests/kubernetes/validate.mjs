// host.kubernetes: validate dist/kubernetes/*.yaml offline against the
// Kubernetes OpenAPI schemas, as compiled into the npm package
// kubernetes-models (JSON-schema validators generated from Kubernetes'
// OpenAPI spec; ajv). PyPI's kubernetes-validate cannot be installed here.
// Like kubernetes-validate without --strict, the schemas do not reject
// unknown fields; the cross-checks below cover what this DaemonSet relies on.
//   node validate.mjs FILE.yaml...        exit 0: all valid
//   node validate.mjs --expect-invalid FILE.yaml   exit 0: a document is invalid
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseAllDocuments } from "yaml";

const args = process.argv.slice(2);
const expectInvalid = args[0] === "--expect-invalid";
const files = expectInvalid ? args.slice(1) : args;
const require = createRequire(import.meta.url);
const kmVersion = require("kubernetes-models/package.json").version;
let errors = 0;
const fail = (msg) => { console.log(`${expectInvalid ? "refused" : "FAIL"}: ${msg}`); errors++; };
const ok = (msg) => console.log(`ok: ${msg}`);

// apiVersion -> the kubernetes-models module with its kinds.
async function modelFor(apiVersion, kind) {
  const mod = await import(`kubernetes-models/${apiVersion}`).catch(() => null);
  return mod && mod[kind];
}

const docs = [];
for (const file of files) {
  const parsed = parseAllDocuments(readFileSync(file, "utf8"));
  for (const doc of parsed) {
    if (doc.errors.length) { fail(`${file}: YAML: ${doc.errors[0].message}`); continue; }
    const obj = doc.toJS();
    if (obj === null) continue;
    docs.push({ file, obj });
  }
}

for (const { file, obj } of docs) {
  const what = `${file}: ${obj.kind}/${obj.metadata?.name}`;
  const Model = await modelFor(obj.apiVersion, obj.kind);
  if (!Model) { fail(`${what}: no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`); continue; }
  try {
    new Model(obj).validate();
    ok(`${what} is valid ${obj.apiVersion} ${obj.kind} (kubernetes-models ${kmVersion})`);
  } catch (e) {
    fail(`${what}: ${e.message}`);
  }
}

// Cross-checks the schema cannot make.
const byKind = (k) => docs.filter((d) => d.obj.kind === k).map((d) => d.obj);
for (const ds of byKind("DaemonSet")) {
  const spec = ds.spec, pod = spec.template.spec;
  const sel = spec.selector.matchLabels || {};
  const labels = spec.template.metadata?.labels || {};
  Object.entries(sel).every(([k, v]) => labels[k] === v)
    ? ok("selector matches the pod template's labels")
    : fail("DaemonSet selector does not match the template labels");
  const volumes = new Map((pod.volumes || []).map((v) => [v.name, v]));
  for (const c of pod.containers) {
    for (const m of c.volumeMounts || []) {
      volumes.has(m.name) ? ok(`mount ${m.mountPath}: volume ${m.name} exists`)
        : fail(`container ${c.name} mounts unknown volume ${m.name}`);
    }
    c.securityContext?.privileged === true ? ok("privileged") : fail("container is not privileged");
  }
  pod.hostPID === true ? ok("hostPID") : fail("hostPID is not true");
  const hostPaths = [...volumes.values()].filter((v) => v.hostPath).map((v) => v.hostPath.path);
  for (const p of ["/sys/fs/bpf", "/sys/fs/cgroup"]) {
    hostPaths.includes(p) ? ok(`host ${p} mounted`) : fail(`no hostPath volume for ${p}`);
  }
  for (const v of volumes.values()) {
    if (!v.configMap) continue;
    const cm = byKind("ConfigMap").find((m) => m.metadata.name === v.configMap.name &&
      (m.metadata.namespace || "default") === (ds.metadata.namespace || "default"));
    if (!cm) { fail(`ConfigMap ${v.configMap.name} is not among the manifests`); continue; }
    for (const item of v.configMap.items || []) {
      item.key in (cm.data || {}) ? ok(`ConfigMap ${cm.metadata.name} has key ${item.key}`)
        : fail(`ConfigMap ${cm.metadata.name} lacks key ${item.key}`);
    }
  }
}

if (expectInvalid) {
  if (errors === 0) { console.log("FAIL: the broken manifest was accepted"); process.exit(1); }
  console.log(`ok: the broken manifest was refused (${errors} error(s) above, as expected)`);
  process.exit(0);
}
console.log(errors ? `${errors} error(s)` : `all ${docs.length} documents valid`);
process.exit(errors ? 1 : 0);
