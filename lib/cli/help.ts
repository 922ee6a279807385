import { statusConfigKeys } from './arguments.js';
import { configKeys } from './config-keys.js';

/** `rx-k8s-leader --help` */
export function programHelp(version: string): string {
  return `rx-k8s-leader ${version}: run a command on one replica at a time, elected through a Kubernetes Lease
(wire-compatible with client-go's leader election).

Usage:
  rx-k8s-leader run [options] [--] <command> [args…]   run <command> while this replica leads
  rx-k8s-leader status --lease-namespace NAMESPACE     who holds the Leases of a namespace (--watch: as it changes)
  rx-k8s-leader help run|status                        the options of run, or of status
  rx-k8s-leader --version

Run 'rx-k8s-leader run --help' or 'rx-k8s-leader status --help' for the options.
`;
}

/** `rx-k8s-leader run --help` */
export function runHelp(): string {
  const rows: [string, string][] = [
    ...configKeys.map((spec): [string, string] => [`${spec.flag}${spec.placeholder === undefined ? '' : ` ${spec.placeholder}`}`, spec.help]),
    ['--config FILE', 'read the election keys from an OpenTelemetry Collector configuration: extensions.k8s_leader_elector'],
    ['--extension NAME', 'which one, when the file has several (k8s_leader_elector/NAME)'],
    ['--signal NAME', 'sent to the command when this replica stops leading (default SIGTERM)'],
    ['--kill-after DURATION', 'then SIGKILL to its group if still alive (default and most: lease_duration − renew_deadline − 1s, 4s at the defaults)'],
    ['--allow-overlap', 'accept a --kill-after longer than that, so the command may outlive this replica\'s term'],
    ['--restart', 'when the command ends by itself, hand the lease over and run it again when this replica next leads'],
    ['--http ADDRESS', 'serve /healthz, /readyz, /leader, /leader/events, /metrics (8080 or :8080 is 127.0.0.1:8080)'],
    ['-v, --verbose', 'one line on stderr per change of state'],
    ['-h, --help', 'this help'],
  ];
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return `Usage: rx-k8s-leader run [options] [--] <command> [args…]

Contends for the Lease and starts <command> only while this replica leads, with RX_K8S_LEADER_IDENTITY,
RX_K8S_LEADER_TERM (the fencing term) and RX_K8S_LEADER_LEASE (namespace/name) in its environment and
stdio inherited. When leading ends, the command's process group gets --signal, then SIGKILL after
--kill-after, and this replica keeps contending; the command is gone before another replica may lead.
SIGTERM or SIGINT stops the command the same way, then releases the lease, then exits with the command's
status. When the command ends by itself, the lease is released and run exits with its status (128 + n
for signal n), unless --restart. SIGHUP, SIGUSR1 and SIGUSR2 are passed on to the command.

Options:
${rows.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`).join('\n')}

Every election key can also be set as RX_K8S_LEADER_<KEY> (RX_K8S_LEADER_LEASE_NAME, ...). Flags win over
the environment, which wins over --config. Durations are Go durations: 15s, 1m30s, 500ms.

Exit status: the command's; 2 for a usage or configuration error (nothing contended); 1 when the election
failed for good; 126 or 127 when the command cannot be run.
`;
}

/** `rx-k8s-leader status --help` */
export function statusHelp(): string {
  const rows: [string, string][] = [
    ...configKeys.filter((spec) => statusConfigKeys.includes(spec.key)).map((spec): [string, string] => [
      `${spec.flag} ${spec.placeholder}`,
      spec.key === 'lease_name' ? 'show this Lease only (default: every Lease of the namespace)' : spec.key === 'lease_namespace' ? 'the Leases\' namespace (required)' : spec.help,
    ]),
    ['--config FILE', 'read these keys from an OpenTelemetry Collector configuration: extensions.k8s_leader_elector'],
    ['--extension NAME', 'which one, when the file has several (k8s_leader_elector/NAME)'],
    ['-w, --watch', 'print a line per change as it happens, until SIGTERM or SIGINT (then exit 0)'],
    ['-o, --output FORMAT', 'table (aligned columns, the default) or json (an array; with --watch one object per line)'],
    ['-h, --help', 'this help'],
  ];
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return `Usage: rx-k8s-leader status --lease-namespace NAMESPACE [--lease-name NAME] [--watch] [--output table|json]

Shows each Lease of the namespace, or the one named: NAME, HOLDER (<none> when free), TERM (leaseTransitions,
the fencing term), RENEW-TIME (as the holder wrote it, by its clock), OBSERVED (how long ago this process saw
the record change) and EXPIRED. Every Lease is read once through a watch of the namespace, taken until
300 ms pass without another (3 s when there are none); one Lease through a get. It never writes a Lease.

EXPIRED is judged as a candidate judges it, on this process's monotonic clock, never by comparing renewTime
with a wall clock:
  free      no holder: released, or never held; a candidate takes it at once
  yes       held, and unchanged for longer than its leaseDurationSeconds since this process saw it
  no        held, and this process saw its record change less than leaseDurationSeconds ago
  unknown   held, and seen once only, shown as "unknown (observed once)": without --watch always (the read
            is the only observation, so it cannot tell a renewal a moment ago from a holder dead for an
            hour); with --watch until the record changes or leaseDurationSeconds pass

With --watch, each line is an EVENT: ADDED (every Lease first, then new ones), MODIFIED, DELETED (its last
state), or EXPIRED (a held Lease unchanged for its leaseDurationSeconds while watched). The watch is resumed
when the server closes it; network failures are said on stderr and retried.

Options:
${rows.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`).join('\n')}

These keys can also be set as RX_K8S_LEADER_LEASE_NAMESPACE, RX_K8S_LEADER_LEASE_NAME, RX_K8S_LEADER_AUTH_TYPE,
RX_K8S_LEADER_KUBECONFIG and RX_K8S_LEADER_CONTEXT; flags win over the environment, which wins over --config.
Other election keys, in the environment or the file, are ignored.

JSON fields: event (--watch), namespace, name, holder ("" when free), term, renewTime, acquireTime,
leaseDurationSeconds, resourceVersion, observedAgoMs, expired ("free", "yes", "no" or "unknown").

Exit status: 0; 1 when the Leases cannot be read (no response, forbidden, the named Lease not found); 2 for a
usage or configuration error.
`;
}
