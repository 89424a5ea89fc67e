// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/**
 * @title Universal FFLONK verifier (snarkjs FFLONK over BN254), verification key as data.
 *
 * vk = 15 big-endian words: nPublic, power, k1, k2, w, w3, w4, w8, wr, C0.x, C0.y, X_2.x1, X_2.x0, X_2.y1, X_2.y0.
 * proof = the 24 words of snarkjs' FFLONK Solidity calldata: C1, C2, W1, W2 (x, y each), then the evaluations
 * ql, qr, qm, qo, qc, s1, s2, s3, a, b, c, z, zw, t1w, t2w and the prover's batch-inverse hint `inv`.
 *
 * The algebra follows snarkjs' verifier, in closed form:
 * - r0 and r1 interpolate polynomials of degree < 8 and < 4 on the full coset of 8th / 4th roots, so they are
 *   those polynomials evaluated at y; r2 is the degree < 6 polynomial through both cubic cosets, written with
 *   the two vanishing polynomials X^3 - xi and X^3 - xi w.
 * - The products of (y - root) over a coset are y^8 - xi, y^4 - xi, (y^3 - xi)(y^3 - xi w).
 * - `inv` must be the inverse of the product of the denominators snarkjs' prover batches (its closed form is
 *   below); the five inverses this verifier needs are recovered from it with a few multiplications.
 * nPublic = 0 is accepted, as snarkjs' JS verifier does (L_1(xi) is still used by the permutation check).
 *
 * MalformedKey: not 15 words; power not in [1, 28]; nPublic > 2^power; a scalar word >= r or a coordinate >= q;
 * w != Fr.w[power]; w3, w4, w8 not primitive 3rd / 4th / 8th roots of unity; wr^3 != w; C0 not on G1; X_2 not on
 * the G2 twist. An X_2 outside the G2 subgroup makes the pairing precompile fail, and verify return false.
 * Uses MCOPY (EVM Cancun or later).
 */
contract FflonkVerifier {
    /// The key is not 15 words, or a word is out of range / not the root of unity or curve point it must be.
    error MalformedKey();
    /// The proof is not 24 words or the number of public signals is not the key's nPublic.
    error MalformedProof(uint256 proofWords, uint256 signals);

    uint256 internal constant VK_BYTES = 15 * 32;
    uint256 internal constant PROOF_WORDS = 24;
    /// Where verify() copies the proof and the key (see _verify for the memory map).
    uint256 internal constant PROOF_MEM = 0x600;
    uint256 internal constant VK_MEM = 0x900;
    /// BN254 scalar field order r and base field order q.
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// Fr.w[28], snarkjs' generator of the 2^28 roots of unity.
    uint256 internal constant W28 = 19103219067921713944291392827692070036145651957329286315305642004821462161904;
    /// -(729 · 2^32) mod r: the constant factor of the prover's batched denominators.
    uint256 internal constant NEG_729_2_32 = 21888242871839275222246405745257275088548364400416034343698204183444777336833;
    /// 3 / (9 + u), the coefficient b of the G2 twist y^2 = x^3 + b.
    uint256 internal constant TWIST_B0 = 19485874751759354771024239261021720505790618469301721065564631296452457478373;
    uint256 internal constant TWIST_B1 = 266929791119991161246907387137283842545076965332900288569378510910307636690;
    /// The G2 generator's x and its negated y, in the precompile's order (imaginary part first).
    uint256 internal constant G2_X1 = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 internal constant G2_X0 = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 internal constant NEG_G2_Y1 = 17805874995975841540914202342111839520379459829704422454583296818431106115052;
    uint256 internal constant NEG_G2_Y0 = 13392588948715843804641432497768002650278120570034223513918757245338268106653;

    /// @notice Whether `proof` proves `publicSignals` for the FFLONK circuit whose key is `vk`.
    function verify(bytes calldata vk, uint256[] calldata proof, uint256[] calldata publicSignals)
        external
        view
        returns (bool)
    {
        if (vk.length != VK_BYTES || !_keyWellFormed(vk)) revert MalformedKey();
        uint256 nPublic = uint256(bytes32(vk[0:32]));
        if (proof.length != PROOF_WORDS || publicSignals.length != nPublic) {
            revert MalformedProof(proof.length, publicSignals.length);
        }
        assembly {
            calldatacopy(PROOF_MEM, proof.offset, 0x300)
            calldatacopy(VK_MEM, vk.offset, VK_BYTES)
        }
        _verify(publicSignals);
    }

    /// Range checks, root-of-unity relations and curve membership of the key's words (15 words assumed).
    function _keyWellFormed(bytes calldata vk) private pure returns (bool ok) {
        assembly {
            let k := vk.offset
            let power := calldataload(add(k, 0x20))
            ok := and(iszero(iszero(power)), lt(power, 29))
            // nPublic <= domain size (the public inputs sit at distinct roots w^j)
            ok := and(ok, iszero(gt(calldataload(k), shl(power, 1))))
            // k1, k2, w, w3, w4, w8, wr < r
            for { let i := 0x40 } lt(i, 0x120) { i := add(i, 0x20) } { ok := and(ok, lt(calldataload(add(k, i)), R)) }
            // C0 and X_2 coordinates < q
            for { let i := 0x120 } lt(i, 0x1e0) { i := add(i, 0x20) } { ok := and(ok, lt(calldataload(add(k, i)), Q)) }
            let w := calldataload(add(k, 0x80))
            // w = Fr.w[power] = w28^(2^(28 - power)), the root snarkjs uses for xi·w
            {
                let t := W28
                for { let i := power } lt(i, 28) { i := add(i, 1) } { t := mulmod(t, t, R) }
                ok := and(ok, eq(t, w))
            }
            let minusOne := sub(R, 1)
            // w3 a primitive cube root of unity: w3^2 + w3 + 1 = 0
            {
                let w3 := calldataload(add(k, 0xa0))
                ok := and(ok, iszero(addmod(addmod(mulmod(w3, w3, R), w3, R), 1, R)))
            }
            // w4 a primitive 4th root: w4^2 = -1; w8 a primitive 8th root: w8^4 = -1
            {
                let w4 := calldataload(add(k, 0xc0))
                ok := and(ok, eq(mulmod(w4, w4, R), minusOne))
                let w8 := calldataload(add(k, 0xe0))
                let t := mulmod(w8, w8, R)
                ok := and(ok, eq(mulmod(t, t, R), minusOne))
            }
            // wr a cube root of w
            {
                let wr := calldataload(add(k, 0x100))
                ok := and(ok, eq(mulmod(mulmod(wr, wr, R), wr, R), w))
            }
            // C0 on y^2 = x^3 + 3
            {
                let x := calldataload(add(k, 0x120))
                let y := calldataload(add(k, 0x140))
                ok := and(ok, eq(mulmod(y, y, Q), addmod(mulmod(mulmod(x, x, Q), x, Q), 3, Q)))
            }
            // X_2 on the twist y^2 = x^3 + 3/(9+u) over Fq2 (u^2 = -1); the pairing precompile checks the subgroup
            {
                let x1 := calldataload(add(k, 0x160))
                let x0 := calldataload(add(k, 0x180))
                let y1 := calldataload(add(k, 0x1a0))
                let y0 := calldataload(add(k, 0x1c0))
                let s0 := mulmod(addmod(x0, x1, Q), addmod(x0, sub(Q, x1), Q), Q)
                let s1 := mulmod(add(x0, x0), x1, Q)
                let c0 := addmod(mulmod(s0, x0, Q), sub(Q, mulmod(s1, x1, Q)), Q)
                let c1 := addmod(mulmod(s0, x1, Q), mulmod(s1, x0, Q), Q)
                c0 := addmod(c0, TWIST_B0, Q)
                c1 := addmod(c1, TWIST_B1, Q)
                ok := and(ok, eq(mulmod(addmod(y0, y1, Q), addmod(y0, sub(Q, y1), Q), Q), c0))
                ok := and(ok, eq(mulmod(add(y0, y0), y1, Q), c1))
            }
        }
    }

    /// Verifies the proof and key copied to memory (PROOF_MEM, VK_MEM) and returns the verdict from assembly.
    function _verify(uint256[] calldata publicSignals) private view {
        assembly {
            // Memory: 0x00-0x200 scratch (precompile input, transcript), variables from 0x200, the proof at 0x600
            // (C1 C2 W1 W2, evaluations from 0x700, inv at 0x8e0), the key at 0x900 (C0 at 0xa20, X_2 at 0xa60),
            // the first transcript (C0, signals, C1) at 0xb00.
            // 0x200 beta  0x220 gamma  0x240 alpha  0x260 y    0x280 xi    0x2a0 xiw   0x2c0 zh
            // 0x2e0 mH0   0x300 mH1    0x320 mH2    0x340 a5   0x360 num   0x380 den   0x3a0 rest
            // 0x3c0 1/zh  0x3e0 1/den  0x400 1/mH1  0x420 1/mH2 0x440 1/a5 0x460 y^3  0x480 xiSeed
            // 0x4a0 q1    0x4c0 q2     0x4e0 e      0x500 T2

            function fail() {
                mstore(0, 0)
                return(0, 0x20)
            }

            // acc(0x00) += s · P, P = (x, y) at memory p; returns the precompiles' success
            function mulAcc(p, s) -> ok {
                mcopy(0x40, p, 0x40)
                mstore(0x80, s)
                ok := staticcall(gas(), 7, 0x40, 0x60, 0x40, 0x40)
                ok := and(ok, staticcall(gas(), 6, 0x00, 0x80, 0x00, 0x40))
            }


            // Evaluations and inv in the scalar field, signals too; no commitment is (0, 0)
            for { let i := 0x700 } lt(i, 0x900) { i := add(i, 0x20) } {
                if iszero(lt(mload(i), R)) { fail() }
            }
            for { let i := 0 } lt(i, publicSignals.length) { i := add(i, 1) } {
                if iszero(lt(calldataload(add(publicSignals.offset, shl(5, i))), R)) { fail() }
            }
            for { let i := 0x600 } lt(i, 0x700) { i := add(i, 0x40) } {
                if iszero(or(mload(i), mload(add(i, 0x20)))) { fail() }
            }

            // Transcript (keccak over big-endian words, reduced mod r)
            {
                mcopy(0xb00, 0xa20, 0x40) // C0
                calldatacopy(0xb40, publicSignals.offset, shl(5, publicSignals.length))
                mcopy(add(0xb40, shl(5, publicSignals.length)), 0x600, 0x40) // C1
                let c := mod(keccak256(0xb00, add(0x80, shl(5, publicSignals.length))), R)
                mstore(0x200, c) // beta
                mstore(0x00, c)
                c := mod(keccak256(0x00, 0x20), R)
                mstore(0x220, c) // gamma
                mstore(0x00, c)
                mcopy(0x20, 0x640, 0x40) // C2
                c := mod(keccak256(0x00, 0x60), R)
                mstore(0x480, c) // xiSeed
                mstore(0x00, c)
                mcopy(0x20, 0x700, 0x1e0) // 15 evaluations
                c := mod(keccak256(0x00, 0x200), R)
                mstore(0x240, c) // alpha
                mstore(0x00, c)
                mcopy(0x20, 0x680, 0x40) // W1
                mstore(0x260, mod(keccak256(0x00, 0x60), R)) // y
            }

            // xi = xiSeed^24, xi·w, Z_H(xi), vanishing products at y
            {
                let t := mload(0x480)
                t := mulmod(t, t, R)
                t := mulmod(t, t, R)
                t := mulmod(t, t, R)
                let xi := mulmod(mulmod(t, t, R), t, R)
                let xiw := mulmod(xi, mload(0x980), R)
                mstore(0x280, xi)
                mstore(0x2a0, xiw)
                t := xi
                let power := mload(0x920)
                for { let i := 0 } lt(i, power) { i := add(i, 1) } { t := mulmod(t, t, R) }
                mstore(0x2c0, addmod(t, sub(R, 1), R))
                let y := mload(0x260)
                let y2 := mulmod(y, y, R)
                let y3 := mulmod(y2, y, R)
                let y4 := mulmod(y2, y2, R)
                mstore(0x460, y3)
                let nxi := sub(R, xi)
                mstore(0x2e0, addmod(mulmod(y4, y4, R), nxi, R))
                mstore(0x300, addmod(y4, nxi, R))
                mstore(0x320, mulmod(addmod(y3, nxi, R), addmod(y3, sub(R, xiw), R), R))
                mstore(0x340, addmod(xi, sub(R, xiw), R))
            }

            // Lagrange denominators d_j = N (xi - w^j), j < max(1, nPublic), folded into one fraction:
            // num / den = sum_j pub_j w^j / d_j, den = prod_j d_j, rest = prod_{j >= 1} d_j
            {
                let xi := mload(0x280)
                let dn := shl(mload(0x920), 1) // the domain size N
                let den := mulmod(dn, addmod(xi, sub(R, 1), R), R)
                let num := 0
                if publicSignals.length { num := calldataload(publicSignals.offset) }
                let rest := 1
                let wj := 1
                for { let j := 1 } lt(j, publicSignals.length) { j := add(j, 1) } {
                    wj := mulmod(wj, mload(0x980), R)
                    let d := mulmod(dn, addmod(xi, sub(R, wj), R), R)
                    let t := mulmod(mulmod(calldataload(add(publicSignals.offset, shl(5, j))), wj, R), den, R)
                    num := addmod(mulmod(num, d, R), t, R)
                    den := mulmod(den, d, R)
                    rest := mulmod(rest, d, R)
                }
                mstore(0x360, num)
                mstore(0x380, den)
                mstore(0x3a0, rest)
            }

            // The prover's batch = -(729·2^32) w^2 xi^14 a5^6 · zh · mH0 · mH1^2 · mH2^2 · den
            // = rr · (zh · den · mH1 · mH2 · a5); check inv against it, then take the five inverses out
            {
                let rr
                {
                    let xi := mload(0x280)
                    let x2 := mulmod(xi, xi, R)
                    let x4 := mulmod(x2, x2, R)
                    rr := mulmod(mulmod(mulmod(x4, x4, R), x4, R), x2, R) // xi^14
                    let w := mload(0x980)
                    rr := mulmod(rr, mulmod(w, w, R), R)
                    let a5 := mload(0x340)
                    let a2 := mulmod(a5, a5, R)
                    rr := mulmod(rr, mulmod(mulmod(a2, a2, R), a5, R), R) // a5^5
                    rr := mulmod(rr, mulmod(mulmod(mload(0x2e0), mload(0x300), R), mload(0x320), R), R)
                    rr := mulmod(rr, NEG_729_2_32, R)
                }
                let p2 := mulmod(mload(0x2c0), mload(0x380), R)
                let p3 := mulmod(p2, mload(0x300), R)
                let p4 := mulmod(p3, mload(0x320), R)
                let inv := mload(0x8e0)
                if iszero(eq(mulmod(mulmod(mulmod(p4, mload(0x340), R), rr, R), inv, R), 1)) { fail() }
                let acc := mulmod(inv, rr, R) // 1 / (zh · den · mH1 · mH2 · a5)
                mstore(0x440, mulmod(acc, p4, R))
                acc := mulmod(acc, mload(0x340), R)
                mstore(0x420, mulmod(acc, p3, R))
                acc := mulmod(acc, mload(0x320), R)
                mstore(0x400, mulmod(acc, p2, R))
                acc := mulmod(acc, mload(0x300), R)
                mstore(0x3e0, mulmod(acc, mload(0x2c0), R))
                mstore(0x3c0, mulmod(acc, mload(0x380), R))
            }

            // e = r0(y) + q1 r1(y) + q2 r2(y) and the batching scalars q1, q2
            {
                let y := mload(0x260)
                let r
                {
                    // r0 = ql + qr y + qo y^2 + qm y^3 + qc y^4 + s1 y^5 + s2 y^6 + s3 y^7
                    r := mload(0x7e0)
                    r := addmod(mulmod(r, y, R), mload(0x7c0), R)
                    r := addmod(mulmod(r, y, R), mload(0x7a0), R)
                    r := addmod(mulmod(r, y, R), mload(0x780), R)
                    r := addmod(mulmod(r, y, R), mload(0x740), R)
                    r := addmod(mulmod(r, y, R), mload(0x760), R)
                    r := addmod(mulmod(r, y, R), mload(0x720), R)
                    r := addmod(mulmod(r, y, R), mload(0x700), R)
                }
                let am := mulmod(mload(0x240), mload(0x2e0), R) // alpha · mH0
                mstore(0x4c0, mulmod(mulmod(am, mload(0x240), R), mload(0x420), R)) // q2 = alpha^2 mH0 / mH2
                am := mulmod(am, mload(0x400), R) // q1 = alpha mH0 / mH1
                mstore(0x4a0, am)
                let a := mload(0x800)
                let b := mload(0x820)
                let c := mload(0x840)
                // T0 = (ql a + qr b + qm a b + qo c + qc) / zh + PI(xi) / zh, PI / zh = -num / den
                let g := mulmod(mload(0x700), a, R)
                g := addmod(g, mulmod(mload(0x720), b, R), R)
                g := addmod(g, mulmod(mload(0x740), mulmod(a, b, R), R), R)
                g := addmod(g, mulmod(mload(0x760), c, R), R)
                g := addmod(g, mload(0x780), R)
                g := addmod(mulmod(g, mload(0x3c0), R), sub(R, mulmod(mload(0x360), mload(0x3e0), R)), R)
                // r1 = a + b y + c y^2 + T0 y^3
                g := addmod(mulmod(g, y, R), c, R)
                g := addmod(mulmod(g, y, R), b, R)
                g := addmod(mulmod(g, y, R), a, R)
                mstore(0x4e0, addmod(r, mulmod(am, g, R), R))
            }
            {
                // T2 = [(a + beta xi + gamma)(b + beta xi k1 + gamma)(c + beta xi k2 + gamma) z
                //       - (a + beta s1 + gamma)(b + beta s2 + gamma)(c + beta s3 + gamma) zw] / zh
                let beta := mload(0x200)
                let gamma := mload(0x220)
                let a := mload(0x800)
                let b := mload(0x820)
                let c := mload(0x840)
                let bx := mulmod(beta, mload(0x280), R)
                let p := mulmod(addmod(a, addmod(bx, gamma, R), R), mload(0x860), R)
                p := mulmod(p, addmod(b, addmod(mulmod(bx, mload(0x940), R), gamma, R), R), R)
                p := mulmod(p, addmod(c, addmod(mulmod(bx, mload(0x960), R), gamma, R), R), R)
                bx := mulmod(addmod(a, addmod(mulmod(beta, mload(0x7a0), R), gamma, R), R), mload(0x880), R)
                bx := mulmod(bx, addmod(b, addmod(mulmod(beta, mload(0x7c0), R), gamma, R), R), R)
                bx := mulmod(bx, addmod(c, addmod(mulmod(beta, mload(0x7e0), R), gamma, R), R), R)
                mstore(0x500, mulmod(addmod(p, sub(R, bx), R), mload(0x3c0), R))
            }
            {
                let y := mload(0x260)
                let z := mload(0x860)
                // T1 = (z - 1) L_1(xi) / zh = (z - 1) / d_0 = (z - 1) rest / den
                let t1 := mulmod(mulmod(addmod(z, sub(R, 1), R), mload(0x3a0), R), mload(0x3e0), R)
                // r2 = [A(y)(y^3 - xi w) - B(y)(y^3 - xi)] / (xi - xi w),
                // A = z + T1 X + T2 X^2, B = zw + t1w X + t2w X^2
                let ay := addmod(mulmod(addmod(mulmod(mload(0x500), y, R), t1, R), y, R), z, R)
                let by := mulmod(addmod(mulmod(mload(0x8c0), y, R), mload(0x8a0), R), y, R)
                by := addmod(by, mload(0x880), R)
                let y3 := mload(0x460)
                ay := mulmod(ay, addmod(y3, sub(R, mload(0x2a0)), R), R)
                ay := addmod(ay, sub(R, mulmod(by, addmod(y3, sub(R, mload(0x280)), R), R)), R)
                ay := mulmod(ay, mload(0x440), R) // r2
                mstore(0x4e0, addmod(mload(0x4e0), mulmod(mload(0x4c0), ay, R), R))
            }

            // A1 = C0 + q1 C1 + q2 C2 - e G1 - mH0 W1 + y W2
            mcopy(0x00, 0xa20, 0x40)
            let ok := mulAcc(0x600, mload(0x4a0))
            ok := and(ok, mulAcc(0x640, mload(0x4c0)))
            mstore(0x40, 1)
            mstore(0x60, 2)
            mstore(0x80, sub(R, mload(0x4e0)))
            ok := and(ok, staticcall(gas(), 7, 0x40, 0x60, 0x40, 0x40))
            ok := and(ok, staticcall(gas(), 6, 0x00, 0x80, 0x00, 0x40))
            ok := and(ok, mulAcc(0x680, sub(R, mload(0x2e0))))
            ok := and(ok, mulAcc(0x6c0, mload(0x260)))

            // e(A1, -G2) · e(W2, X_2) == 1
            mstore(0x40, G2_X1)
            mstore(0x60, G2_X0)
            mstore(0x80, NEG_G2_Y1)
            mstore(0xa0, NEG_G2_Y0)
            mcopy(0xc0, 0x6c0, 0x40)
            mcopy(0x100, 0xa60, 0x80)
            ok := and(ok, staticcall(gas(), 8, 0x00, 0x180, 0x00, 0x20))
            mstore(0x00, and(ok, mload(0x00)))
            return(0x00, 0x20)
        }
    }
}
