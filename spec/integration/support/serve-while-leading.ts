// Run as its own process by graceful-hand-over.spec.ts: leads and serves the README's leader-only
// route recipe on loopback (`leader` or `standby` from the last value of isLeader$). Prints
// `port N` and each change; on SIGTERM it closes the server and unsubscribes.
import { createServer } from 'node:http';
import { leadership$ } from '../../../lib/index.js';

const [kubeconfig, leaseName] = process.argv.slice(2);
const isLeader$ = leadership$({
  auth_type: 'kubeConfig', kubeconfig, lease_name: leaseName!, lease_namespace: 'default', identity: 'served',
  lease_duration: '4s', renew_deadline: '3s', retry_period: '1s',
});

let leading = false;
const running = isLeader$.subscribe((value) => {
  leading = value;
  process.stdout.write(value ? 'leading\n' : 'standing by\n');
});
const server = createServer((_request, response) => {
  response.writeHead(leading ? 200 : 503, { connection: 'close' }).end(leading ? 'leader' : 'standby');
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`port ${address.port}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  running.unsubscribe();
});
