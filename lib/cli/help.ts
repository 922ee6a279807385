import { configKeys } from './config-keys.js';

/** `rx-k8s-leader --help` */
export function programHelp(version: string): string {
  return `rx-k8s-leader ${version}: run a command on one replica at a time, elected through a Kubernetes Lease
(wire-compatible with client-go's leader election).

Usage:
  rx-k8s-leader run [options] [--] <command> [args…]   run <command> while this replica leads
  rx-k8s-leader help run                               the options of run
  rx-k8s-leader --version

Run 'rx-k8s-leader run --help' for the options.
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
