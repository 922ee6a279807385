/** How to reach the API server: the in-cluster service account, or a kubeconfig file. */
export type AuthType = 'serviceAccount' | 'kubeConfig';

/**
 * A validated leader election configuration. Durations are whole milliseconds, at most 24h. Build one with
 * {@link parseConfig} or {@link decodeConfig}; `leadership$` also accepts the raw input.
 */
export interface LeaderElectionConfig {
  /** How to reach the API server: the pod's service account, or a kubeconfig file. */
  readonly authType: AuthType;
  /** Name of the Lease the candidates contend for: a DNS-1123 subdomain. */
  readonly leaseName: string;
  /** Namespace of the Lease: a DNS-1123 label. */
  readonly leaseNamespace: string;
  /** How long others wait after the last renewal they saw before taking over. Whole seconds. */
  readonly leaseDuration: number;
  /** How long a leader keeps trying to renew before it steps down. */
  readonly renewDeadline: number;
  /** How often a leader renews, and how often a follower without a watch polls. */
  readonly retryPeriod: number;
  /** This candidate's holderIdentity. Unique per replica. */
  readonly identity: string;
  /** Path of the kubeconfig file, for `kubeConfig` auth (default: KUBECONFIG, then ~/.kube/config). */
  readonly kubeconfig?: string;
  /** kubeconfig context to use, for `kubeConfig` auth (default: the current context). */
  readonly context?: string;
  /** Release the lease when the last subscriber unsubscribes while leading. */
  readonly releaseOnCancel: boolean;
  /**
   * How long leader-only work may take to finish after a graceful end of its term (a hand-over,
   * the last unsubscribe, a host closing) before the lease is released; never past the leader's
   * deadline. At most `renewDeadline - retryPeriod`.
   */
  readonly drainTimeout: number;
}

/** The raw shape accepted by {@link parseConfig}: collector-style snake_case or camelCase keys. */
export interface LeaderElectionInput {
  /** `serviceAccount` (the default: the pod's token, ca.crt and KUBERNETES_SERVICE_HOST/PORT) or `kubeConfig`. */
  auth_type?: AuthType;
  /** camelCase spelling of {@link LeaderElectionInput.auth_type}. */
  authType?: AuthType;
  /** Name of the Lease (required): a DNS-1123 subdomain. */
  lease_name?: string;
  /** camelCase spelling of {@link LeaderElectionInput.lease_name}. */
  leaseName?: string;
  /** Namespace of the Lease (required): a DNS-1123 label. */
  lease_namespace?: string;
  /** camelCase spelling of {@link LeaderElectionInput.lease_namespace}. */
  leaseNamespace?: string;
  /**
   * How long others wait after the last renewal they saw before taking over (default `15s`): a Go
   * duration such as `"15s"` or `"1m30s"`, or integer milliseconds; whole seconds, greater than
   * `renew_deadline` and at least `renew_deadline + retry_period`.
   */
  lease_duration?: string | number;
  /** camelCase spelling of {@link LeaderElectionInput.lease_duration}. */
  leaseDuration?: string | number;
  /**
   * How long a leader keeps trying to renew before it steps down (default `10s`): a Go duration
   * or integer milliseconds, greater than 1.2 × `retry_period`.
   */
  renew_deadline?: string | number;
  /** camelCase spelling of {@link LeaderElectionInput.renew_deadline}. */
  renewDeadline?: string | number;
  /** How often a leader renews (default `2s`): a Go duration or integer milliseconds, greater than 0. */
  retry_period?: string | number;
  /** camelCase spelling of {@link LeaderElectionInput.retry_period}. */
  retryPeriod?: string | number;
  /** This candidate's holderIdentity, unique per replica (default: the hostname and a random suffix). */
  identity?: string;
  /** Path of the kubeconfig file, for `kubeConfig` auth (default: the first entry of KUBECONFIG, then ~/.kube/config). */
  kubeconfig?: string;
  /** kubeconfig context to use, for `kubeConfig` auth (default: the file's current context). */
  context?: string;
  /** Release the lease when the last subscriber unsubscribes while leading (default `true`). */
  release_on_cancel?: boolean;
  /** camelCase spelling of {@link LeaderElectionInput.release_on_cancel}. */
  releaseOnCancel?: boolean;
  /**
   * How long leader-only work that listens for the end of its term may take to finish, after a
   * graceful end (a hand-over, the last unsubscribe, a host closing), before the lease is released
   * (default `5s`, or `renew_deadline - retry_period` when that is shorter): a Go duration or
   * integer milliseconds, `0` for none, at most `renew_deadline - retry_period`.
   */
  drain_timeout?: string | number;
  /** camelCase spelling of {@link LeaderElectionInput.drain_timeout}. */
  drainTimeout?: string | number;
}

export const defaultTimings = { leaseDuration: 15_000, renewDeadline: 10_000, retryPeriod: 2_000 } as const;

/** The longest drain by default: a SIGTERM'd process is gone well within Kubernetes' default 30 s grace period. */
export const defaultDrainTimeout = 5_000;
