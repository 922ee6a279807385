/** The election's config keys a command line can set, in the collector's snake_case spelling. */
export type ConfigKey =
  | 'auth_type' | 'lease_name' | 'lease_namespace' | 'lease_duration' | 'renew_deadline' | 'retry_period'
  | 'identity' | 'kubeconfig' | 'context' | 'release_on_cancel';

/** One config key as a flag and as an environment variable. */
export interface ConfigKeySpec {
  readonly key: ConfigKey;
  /** The camelCase spelling the library accepts too (a YAML file may use it). */
  readonly camelCase: string;
  /** `--lease-name` */
  readonly flag: string;
  /** `RX_K8S_LEADER_LEASE_NAME` */
  readonly variable: string;
  /** What the flag's value looks like in `--help`; absent for the one true/false key. */
  readonly placeholder?: string;
  readonly help: string;
}

const described: readonly [ConfigKey, string | undefined, string][] = [
  ['lease_name', 'NAME', 'the Lease to contend for (required)'],
  ['lease_namespace', 'NAMESPACE', 'its namespace (required)'],
  ['auth_type', 'TYPE', 'serviceAccount (in a pod, the default) or kubeConfig'],
  ['identity', 'ID', 'this replica\'s holder identity, unique per replica (default: hostname and a random suffix)'],
  ['lease_duration', 'DURATION', 'how long others wait for a silent leader (default 15s; whole seconds)'],
  ['renew_deadline', 'DURATION', 'how long a leader keeps trying to renew before it steps down (default 10s)'],
  ['retry_period', 'DURATION', 'how often a leader renews (default 2s)'],
  ['kubeconfig', 'FILE', 'kubeconfig file for kubeConfig auth (default: KUBECONFIG, then ~/.kube/config)'],
  ['context', 'NAME', 'kubeconfig context (default: the current one)'],
  ['release_on_cancel', undefined, 'release the lease on exit while leading (default true; --no-release-on-cancel)'],
];

/** Every config key, in the order `--help` lists them. */
export const configKeys: readonly ConfigKeySpec[] = described.map(([key, placeholder, help]) => ({
  key,
  camelCase: key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()),
  flag: `--${key.replaceAll('_', '-')}`,
  variable: `RX_K8S_LEADER_${key.toUpperCase()}`,
  help,
  ...(placeholder === undefined ? {} : { placeholder }),
}));

/** The spec of a snake_case or camelCase key, if it is one of ours. */
export function configKeyNamed(name: string): ConfigKeySpec | undefined {
  return configKeys.find((spec) => spec.key === name || spec.camelCase === name);
}
