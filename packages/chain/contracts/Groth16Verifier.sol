// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/**
 * @title Groth16Verifier
 * @notice Universal Groth16 verifier over BN254: the verification key is call data, not code, so one deployment
 *         serves every circuit of the permissionless registry.
 *
 * vk: 32-byte big-endian words, concatenated:
 *   [nPublic, alpha.x, alpha.y, beta(4), gamma(4), delta(4), IC[0].x, IC[0].y, ..., IC[nPublic].x, IC[nPublic].y]
 *   (15 + 2·(nPublic + 1) words; G2 points in precompile order x1, x0, y1, y0).
 * proof: a.x, a.y, b.x1, b.x0, b.y1, b.y0, c.x, c.y (snarkjs' Solidity calldata order).
 *
 * Checked: e(-A, B) · e(alpha, beta) · e(vk_x, gamma) · e(C, delta) == 1, vk_x = IC[0] + Σ s_i · IC[i].
 *
 * Returns false (never reverts) for a proof that does not verify: proof words >= q, public signals >= r, points
 * the precompiles reject (off the curve, outside the G2 subgroup), a failed pairing. Reverts only when the key is
 * malformed (`MalformedKey`) or the proof / signal counts are wrong (`MalformedProof`).
 */
contract Groth16Verifier {
    /// The vk bytes are not 15 + 2·(nPublic + 1) words for the nPublic in their first word.
    error MalformedKey();
    /// The proof is not 8 words, or the number of public signals differs from the key's nPublic.
    error MalformedProof(uint256 proofWords, uint256 signals);

    /// BN254 scalar field order r.
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// BN254 base field modulus q.
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    function verify(bytes calldata vk, uint256[] calldata proof, uint256[] calldata publicSignals)
        external
        view
        returns (bool)
    {
        if (vk.length < 32) revert MalformedKey();
        uint256 nPublic;
        assembly ("memory-safe") {
            nPublic := calldataload(vk.offset)
        }
        // The bound keeps the length arithmetic far from overflow; no real key comes near it.
        if (nPublic > 0xffffff || vk.length != (17 + 2 * nPublic) * 32) revert MalformedKey();
        if (proof.length != 8 || publicSignals.length != nPublic) {
            revert MalformedProof(proof.length, publicSignals.length);
        }

        assembly ("memory-safe") {
            // Ends the call with `false`. A precompile that rejects its input keeps all the gas it was given,
            // so after a failure nothing more is attempted.
            function fail() {
                mstore(0x00, 0)
                return(0x00, 0x20)
            }
            // Scratch memory from the free pointer; nothing is allocated, the frame ends here.
            let m := mload(0x40)

            // Canonical proof words: every coordinate below q (the precompiles reject >= q too, but A's y is
            // negated here, so it must be checked before that).
            for { let i := 0 } lt(i, 8) { i := add(i, 1) } {
                if iszero(lt(calldataload(add(proof.offset, shl(5, i))), Q)) { fail() }
            }

            // vk_x = IC[0] + sum s_i * IC[i+1]; accumulator at m[0x00..0x40), ecMul scratch at m[0x40..0xa0).
            let ic := add(vk.offset, 0x1e0) // word 15: IC[0]
            calldatacopy(m, ic, 0x40)
            for { let i := 0 } lt(i, nPublic) { i := add(i, 1) } {
                let s := calldataload(add(publicSignals.offset, shl(5, i)))
                if iszero(lt(s, R)) { fail() }
                // a zero signal adds nothing: skip its ecMul / ecAdd
                if s {
                    calldatacopy(add(m, 0x40), add(ic, shl(6, add(i, 1))), 0x40)
                    mstore(add(m, 0x80), s)
                    if iszero(staticcall(gas(), 0x07, add(m, 0x40), 0x60, add(m, 0x40), 0x40)) { fail() }
                    if iszero(staticcall(gas(), 0x06, m, 0x80, m, 0x40)) { fail() }
                }
            }

            // Pairing input, 4 x 192 bytes at m + 0x40:
            let p := add(m, 0x40)
            //  (-A, B)
            mstore(p, calldataload(proof.offset))
            mstore(add(p, 0x20), mod(sub(Q, calldataload(add(proof.offset, 0x20))), Q))
            calldatacopy(add(p, 0x40), add(proof.offset, 0x40), 0x80)
            //  (alpha, beta): vk words 1..6
            calldatacopy(add(p, 0xc0), add(vk.offset, 0x20), 0xc0)
            //  (vk_x, gamma): gamma is vk words 7..10
            mstore(add(p, 0x180), mload(m))
            mstore(add(p, 0x1a0), mload(add(m, 0x20)))
            calldatacopy(add(p, 0x1c0), add(vk.offset, 0xe0), 0x80)
            //  (C, delta): delta is vk words 11..14
            calldatacopy(add(p, 0x240), add(proof.offset, 0xc0), 0x40)
            calldatacopy(add(p, 0x280), add(vk.offset, 0x160), 0x80)
            if iszero(staticcall(gas(), 0x08, p, 0x300, 0x00, 0x20)) { fail() }
            // the precompile wrote 1 (pairing product is one) or 0 to 0x00
            return(0x00, 0x20)
        }
    }
}
