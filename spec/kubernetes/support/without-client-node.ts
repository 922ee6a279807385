// Run by connection.spec.ts: as if @kubernetes/client-node were not installed, ask for a kubeConfig connection.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === '@kubernetes/client-node') {
      // what Node itself throws for a package that is not installed
      throw Object.assign(new Error(`Cannot find module '@kubernetes/client-node'\nRequire stack:\n- ${context.parentURL ?? ''}`), { code: 'MODULE_NOT_FOUND' });
    }
    return nextResolve(specifier, context);
  },
});

const { clusterConnection } = await import('../../../lib/kubernetes/connection.js');
try {
  clusterConnection({ authType: 'kubeConfig', kubeconfig: process.argv[2]! });
  console.log('no error');
} catch (error) {
  console.log(`${(error as Error).name}: ${(error as Error).message}`);
}
