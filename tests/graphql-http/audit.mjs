// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
// Prints every audit result; exits 1 on any error or warning (the test treats both as failures).
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}
const results = await auditServer({ url });
let failures = 0;
for (const result of results) {
  if (result.status === 'ok') {
    console.log(`ok      ${result.name}`);
  } else {
    failures += 1;
    const body = result.response ? await result.response.text().catch(() => '') : '';
    console.log(`${result.status.padEnd(7)} ${result.name}: ${result.reason} ${body.slice(0, 200)}`);
  }
}
console.log(`audit: ${results.length - failures} ok, ${failures} not ok`);
process.exit(failures === 0 ? 0 : 1);
