#!/usr/bin/env bash
# A newcomer's whole path with a circuit the pool has never seen, against a running devnet, CLI only:
# a new key funded from the devnet faucet, `zkpool circuit setup` of own.circom (circomlib included), registration
# on chain from that key (not the deployer), then a task proved by the pool and settled.
#
#   npm run devnet -- --tasks 0            # in another terminal; it prints "pool: --rpc-url … --deployment … --bootstrap …"
#   examples/own-circuit/run.sh --rpc-url … --deployment … --bootstrap …
#
# Environment: ZKPOOL_EXAMPLE_DIR (work folder, default a new temporary one), ZKPOOL_CIRCUIT and ZKPOOL_INPUT (your
# .circom file, anywhere, and its input; default own.circom and input.json here), ZKPOOL_PTAU (a powers of tau
# file; default: --dev-ptau, a local INSECURE one made for you), ZKPOOL_PROOF_SYSTEM (default groth16).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${ZKPOOL_EXAMPLE_DIR:-$(mktemp -d)}"
system="${ZKPOOL_PROOF_SYSTEM:-groth16}"
circuit="${ZKPOOL_CIRCUIT:-$here/own.circom}"
input="${ZKPOOL_INPUT:-$here/input.json}"
node="$here/../../node_modules/.bin/node"; [ -x "$node" ] || node=node   # the Node 22 that npm install brought
zkpool() { "$node" "$here/../../packages/cli/dist/src/bin.js" "$@"; }
if [ "$#" -eq 0 ]; then sed -n '2,11p' "$0"; exit 2; fi
pool=("$@")
export ZKPOOL_PASSWORD="${ZKPOOL_PASSWORD:-example-insecure}"
key="$work/newcomer.json"

[ -f "$key" ] || zkpool keys create --keystore "$key" --scrypt-n 1024
address="$(zkpool --json keys show --keystore "$key" | "$node" -e 'process.stdin.on("data", d => console.log(JSON.parse(d).address))')"
zkpool fund "$address" --amount 5 "${pool[@]}"
if [ -n "${ZKPOOL_PTAU:-}" ]; then ptau=(--ptau "$ZKPOOL_PTAU"); else ptau=(--dev-ptau); fi
zkpool circuit setup "$circuit" --out "$work/own" --proof-system "$system" "${ptau[@]}"
zkpool circuit register --dir "$work/own" --proof-system "$system" --keystore "$key" "${pool[@]}"
zkpool task submit --dir "$work/own" --proof-system "$system" --input "$input" --max-reward 0.1 --deposit 1 \
  --out "$work/proof.json" --keystore "$key" --data-dir "$work" --devnet "${pool[@]}"
echo "proof: $work/proof.json"
