#!/usr/bin/env bash
# Repeat `zkpool devnet --tasks T --interval I` N times and print the tally (issue 12's robustness measure):
#   bash packages/cli/bench/devnet-runs.sh [runs=5] [tasks=30] [interval=1]
# Each run's full output is kept in $TMPDIR/zkpool-devnet-run<k>.log.
set -u
cd "$(dirname "$0")/../../.."
runs=${1:-5} tasks=${2:-30} interval=${3:-1}
node=node_modules/.bin/node
pass=0
for k in $(seq 1 "$runs"); do
  log="${TMPDIR:-/tmp}/zkpool-devnet-run$k.log"
  echo "run $k: start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  timeout 900 "$node" packages/cli/dist/src/bin.js devnet --tasks "$tasks" --interval "$interval" > "$log" 2>&1
  line=$(grep -E "^  tasks $tasks:" "$log" || echo "  (no summary: exit $?)")
  echo "run $k:$line"
  case "$line" in *"$tasks verified, $tasks settled on chain, 0 failed"*) pass=$((pass + 1)) ;; esac
done
echo "devnet --tasks $tasks --interval $interval: $pass/$runs runs with $tasks/$tasks settled"
