// Digital Bazaar's @digitalbazaar/vc with eddsa-rdfc-2022, fully offline.
// Usage: node dbvc.mjs JOB.json   (prints a JSON answer on stdout)
// JOB: {mode: "verify"|"sign"|"serve", contexts: {url: path}, documents: {url: doc},
//       credentials: [...], privateKeyMultibase?, publicKeyMultibase?, controller?, clock?}
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const contexts = {};
for (const [url, path] of Object.entries(job.contexts)) {
  contexts[url] = JSON.parse(readFileSync(path, 'utf8'));
}
const documents = job.documents || {};

async function documentLoader(url) {
  const doc = contexts[url] ?? documents[url];
  if (doc === undefined) {
    throw new Error(`offline loader: unknown URL ${url}`);
  }
  return {contextUrl: null, documentUrl: url, document: doc};
}

async function signer() {
  const key = await Ed25519Multikey.from({
    '@context': 'https://w3id.org/security/multikey/v1',
    type: 'Multikey',
    id: `${job.controller}#${job.publicKeyMultibase}`,
    controller: job.controller,
    publicKeyMultibase: job.publicKeyMultibase,
    secretKeyMultibase: job.privateKeyMultibase,
  });
  return new DataIntegrityProof({signer: key.signer(), cryptosuite: eddsaRdfc2022});
}

async function verifyOne(credential) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const now = job.clock ? new Date(job.clock) : undefined;
  const result = await vc.verifyCredential({credential, suite, documentLoader, now,
    checkStatus: async () => ({verified: true})});
  return {verified: result.verified, error: result.verified ? null :
    String(result.error?.errors?.[0]?.message ?? result.error?.message ?? result.error)};
}

async function signOne(credential, suite) {
  const copy = structuredClone(credential);
  delete copy.proof;
  return vc.issue({credential: copy, suite, documentLoader});
}

async function main() {
  const creds = job.credentials;
  if (job.mode === 'verify') {
    const out = [];
    for (const c of creds) out.push(await verifyOne(c));
    return out;
  }
  const suite = await signer();
  if (job.mode === 'sign') {
    const out = [];
    for (const c of creds) out.push(await signOne(c, suite));
    return out;
  }
  const signed = [];
  for (const c of creds) signed.push(await signOne(c, suite));
  const check = await verifyOne(signed[0]);
  if (!check.verified) throw new Error(`bench credential does not verify: ${check.error}`);
  return serve(suite, creds, signed);
}

// Paired bursts: one JSON request per stdin line, {"op": "sign"|"verify", "n": N};
// one JSON answer per stdout line, {"rate": ops_per_second}. Lets the caller alternate
// short bursts of ours and theirs on a shared, noisy machine.
async function serve(suite, creds, signed) {
  const {createInterface} = await import('node:readline');
  process.stdout.write(JSON.stringify({ready: true, node: process.version}) + '\n');
  for await (const line of createInterface({input: process.stdin})) {
    const req = JSON.parse(line);
    const fn = req.op === 'sign' ? (c) => signOne(c, suite) : verifyOne;
    const items = req.op === 'sign' ? creds : signed;
    const start = process.hrtime.bigint();
    for (let i = 0; i < req.n; i++) await fn(items[i % items.length]);
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    process.stdout.write(JSON.stringify({rate: req.n / secs}) + '\n');
  }
  return null;
}

main().then((out) => {
  if (out === null) return;
  process.stdout.write(JSON.stringify(out));
}).catch((err) => {
  process.stderr.write(String(err.stack || err));
  process.exit(1);
});
