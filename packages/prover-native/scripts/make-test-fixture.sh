#!/bin/sh
# Regenerate the tiny committed test fixture (1 Poseidon hash, ptau 2^10 made here; INSECURE, tests only).
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
TMP="$(mktemp -d)"
snarkjs powersoftau new bn128 10 "$TMP/p0.ptau" > /dev/null
snarkjs powersoftau contribute "$TMP/p0.ptau" "$TMP/p1.ptau" -e="zkpool test fixture" > /dev/null
snarkjs powersoftau prepare phase2 "$TMP/p1.ptau" "$TMP/p.ptau" > /dev/null
"$HERE/make-circuit.sh" 1 "$TMP/p.ptau" "$TMP/c"
F="$HERE/../test/fixtures"
mkdir -p "$F"
cp "$TMP/c/chain.wasm" "$TMP/c/chain.zkey" "$TMP/c/chain.vkey.json" "$F/"
rm -rf "$TMP"
