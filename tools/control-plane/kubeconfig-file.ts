import { copyFileSync, renameSync, writeFileSync } from 'node:fs';

export interface KubeconfigUser {
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly token?: string;
  readonly exec?: { readonly command: string; readonly args?: readonly string[] };
}

/** Writes a one-context kubeconfig (context `local`) naming files rather than embedding data, so a spec can rotate them. */
export function writeKubeconfig(path: string, { server, caFile, user }: { server: string; caFile: string; user: KubeconfigUser }): string {
  const userLines = [
    ...(user.certFile ? [`    client-certificate: ${user.certFile}`] : []),
    ...(user.keyFile ? [`    client-key: ${user.keyFile}`] : []),
    ...(user.token ? [`    token: ${user.token}`] : []),
    ...(user.exec ? [
      '    exec:',
      '      apiVersion: client.authentication.k8s.io/v1',
      `      command: ${user.exec.command}`,
      '      interactiveMode: Never',
      ...(user.exec.args?.length ? ['      args:', ...user.exec.args.map((arg) => `      - ${JSON.stringify(arg)}`)] : []),
    ] : []),
  ];
  writeFileSync(path, `apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: ${server}
    certificate-authority: ${caFile}
users:
- name: user
  user:
${userLines.join('\n')}
contexts:
- name: local
  context:
    cluster: local
    user: user
current-context: local
`, { mode: 0o600 });
  return path;
}

/** Replaces `target` by a copy of `source` the way kubelet and cert-manager do: write beside it, then rename over it. */
export function replaceFile(source: string, target: string): void {
  copyFileSync(source, `${target}.new`);
  renameSync(`${target}.new`, target);
}

/** Writes `text` to `target` atomically (write beside it, then rename over it). */
export function replaceText(target: string, text: string): void {
  writeFileSync(`${target}.new`, text, { mode: 0o600 });
  renameSync(`${target}.new`, target);
}
