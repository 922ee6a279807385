/** How to reach the API server: the in-cluster service account, or a kubeconfig file. */
export type AuthType = 'serviceAccount' | 'kubeConfig';

/**
 * A validated leader election configuration. Durations are whole milliseconds, at most 24h. Build one with
 * {@link parseConfig} or {@link decodeConfig}; `leadership$` also accepts the raw input.
 */
export interface LeaderElectionConfig {
  readonly authType: AuthType;
  readonly leaseName: string;
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
}

/** The raw shape accepted by {@link parseConfig}: collector-style snake_case or camelCase keys. */
export interface LeaderElectionInput {
  auth_type?: AuthType;
  authType?: AuthType;
  lease_name?: string;
  leaseName?: string;
  lease_namespace?: string;
  leaseNamespace?: string;
  lease_duration?: string | number;
  leaseDuration?: string | number;
  renew_deadline?: string | number;
  renewDeadline?: string | number;
  retry_period?: string | number;
  retryPeriod?: string | number;
  identity?: string;
  kubeconfig?: string;
  context?: string;
  release_on_cancel?: boolean;
  releaseOnCancel?: boolean;
}

export const defaultTimings = { leaseDuration: 15_000, renewDeadline: 10_000, retryPeriod: 2_000 } as const;
