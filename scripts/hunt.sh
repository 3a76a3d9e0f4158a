#!/usr/bin/env bash
# A long hunt for counterexamples, outside the test command's time budget: every property
# test of the DSP suite (core/tests/dsp: the strict true peak of Exact and Low under
# automation, moving ceilings and latency switches, Zero's sample peak, bad input and
# recovery) with CASES cases each (default 3000; about 8 minutes on two cores), each from
# a fresh random seed that is printed before it runs.
#
# A counterexample is shrunk and appended to the `*.proptest-regressions` file beside its
# test, which the suite then replays on every run (red until it is fixed): commit the file
# with the fix. Replay a hunt's seed with HM_PROPTEST_SEED=N HM_PROPTEST_CASES=CASES.
set -euo pipefail
cd "$(dirname "$0")/.."

cases="${1:-3000}"
if ! [[ "$cases" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/hunt.sh [CASES]   (a whole number of cases per property)" >&2
  exit 2
fi
start=$(date +%s)
status=0
HM_PROPTEST_HUNT="$cases" cargo test --release -p headphone_monitor_core --test dsp -- \
  --test-threads 2 || status=$?
echo "hunt of $cases cases per property: $(( $(date +%s) - start )) s, $([ $status -eq 0 ] && echo 'nothing found' || echo 'FOUND a counterexample (see above and git status)')"
exit $status
