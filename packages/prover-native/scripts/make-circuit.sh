#!/bin/sh
# Build a Poseidon-chain Groth16 circuit: r1cs, wasm, zkey, vkey.
# usage: make-circuit.sh <N hashes> <ptau file> <out dir>
set -eu
N="$1"; PTAU="$2"; OUT="$3"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
mkdir -p "$OUT"
sed -e "s/__N__/$N/" "$HERE/poseidon_chain.circom.tmpl" > "$OUT/chain.circom"
# circom2 (WASI) sees only paths below its working directory: give it a local copy of circomlib.
rm -rf "$OUT/circomlib" && cp -r "$ROOT/node_modules/circomlib/circuits" "$OUT/circomlib"
(cd "$OUT" && circom2 chain.circom --r1cs --wasm -o . > /dev/null)
rm -rf "$OUT/circomlib"
snarkjs groth16 setup "$OUT/chain.r1cs" "$PTAU" "$OUT/chain_0.zkey" > /dev/null
snarkjs zkey beacon "$OUT/chain_0.zkey" "$OUT/chain.zkey" 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 10 > /dev/null
rm -f "$OUT/chain_0.zkey"
snarkjs zkey export verificationkey "$OUT/chain.zkey" "$OUT/chain.vkey.json" > /dev/null
cp "$OUT/chain_js/chain.wasm" "$OUT/chain.wasm"
