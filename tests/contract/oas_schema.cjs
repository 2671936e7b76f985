// oas_schema.cjs - OpenAPI 3.0's schema dialect rewritten as draft-07 JSON Schema, the one
// copy the contract check (validate.mjs), the Dredd hooks and the fuzzer (outside.mjs) share.
// `nullable: true` becomes anyOf [null, schema]; the boolean exclusiveMinimum/Maximum of
// OpenAPI 3.0 become draft-07's numbers; examples are dropped. The input is not modified.
// With deref (a function resolving a {$ref} node), every $ref is inlined on the way.
'use strict';

function toDraft7(node, deref, depth = 0) {
  if (deref && depth > 40) return {}; // a $ref cycle
  if (Array.isArray(node)) return node.map((v) => toDraft7(v, deref, depth + 1));
  if (node === null || typeof node !== 'object') return node;
  if (deref && node.$ref) return toDraft7(deref(node), deref, depth + 1);
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = toDraft7(v, deref, depth + 1);
  delete out.example;
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']]) {
    if (out[flag] === true && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else if (out[flag] === false) {
      delete out[flag];
    }
  }
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [{ type: 'null' }, out] };
  }
  delete out.nullable;
  return out;
}

module.exports = { toDraft7 };
