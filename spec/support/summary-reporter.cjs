// mocha's spec reporter, then one line counted from mocha's own results: `N passed, N failed`
// (and `, N skipped` when any are pending). With RX_K8S_LEADER_TEST_SUMMARY set, the same line is
// also written to that file, so .ci/run can print it last, after whatever npm prints.
'use strict';
const { writeFileSync } = require('node:fs');
const Mocha = require('mocha');

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    // Registered after Spec's own listener, so the line follows its epilogue.
    runner.once(EVENT_RUN_END, () => {
      const { passes = 0, failures = 0, pending = 0 } = this.stats;
      const line = `${passes} passed, ${failures} failed${pending > 0 ? `, ${pending} skipped` : ''}`;
      process.stdout.write(`${line}\n`);
      const file = process.env.RX_K8S_LEADER_TEST_SUMMARY;
      if (file) writeFileSync(file, `${line}\n`);
    });
  }
}

module.exports = SummaryReporter;
