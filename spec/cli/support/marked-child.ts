// The command the CLI specs run, as a plain Node script (no tsx, so it starts in tens of ms).
// Appends one JSON line per event to the file named first: its start (with the RX_K8S_LEADER_*
// variables it got), the stop signal it received, its end. The second argument says how it behaves:
//   serve        run until SIGTERM, then exit 0 after the third argument's milliseconds (default 0)
//   ignore-term  ignore SIGTERM (noting it) and run until killed
//   exit:<code>  exit at once with <code>
import { appendFileSync } from 'node:fs';

const [file, mode = 'serve', delay = '0'] = process.argv.slice(2);
const note = (event: string) => appendFileSync(file!, `${JSON.stringify({
  event,
  at: Date.now(),
  pid: process.pid,
  identity: process.env.RX_K8S_LEADER_IDENTITY,
  term: process.env.RX_K8S_LEADER_TERM,
  lease: process.env.RX_K8S_LEADER_LEASE,
})}\n`);

note('start');
if (mode.startsWith('exit:')) {
  note('exit');
  process.exit(Number(mode.slice('exit:'.length)));
}
setInterval(() => {}, 1 << 30);
process.on('SIGTERM', () => {
  note(mode === 'ignore-term' ? 'ignored SIGTERM' : 'SIGTERM');
  if (mode === 'ignore-term') return;
  setTimeout(() => {
    note('exit');
    process.exit(0);
  }, Number(delay));
});
