// `npm run control-plane`: one local kube-apiserver + etcd for people and other tools.
import { startControlPlane } from './control-plane.js';

const controlPlane = await startControlPlane();
const memory = controlPlane.memoryMegabytes();
console.log(`control plane ready in ${Math.round(controlPlane.startMilliseconds)} ms at ${controlPlane.server} (etcd ${memory.etcd} MiB, kube-apiserver ${memory.kubeApiserver} MiB)`);
console.log(`KUBECONFIG=${controlPlane.kubeconfigPath}`);
console.log('Ctrl-C stops it and removes its files.');

const keepAlive = setInterval(() => undefined, 1 << 30);
const shutdown = async () => {
  clearInterval(keepAlive);
  await controlPlane.stop();
  console.log('control plane stopped');
  process.exitCode = 0;
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
