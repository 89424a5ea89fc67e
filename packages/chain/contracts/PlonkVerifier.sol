// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/**
 * @title PlonkVerifier
 * @notice Universal PLONK verifier over BN254 (the PLONK of eprint 2019/953 with snarkjs' Keccak transcript and
 *         linearisation): the verification key is call data, not code, so one deployment serves every circuit.
 *
 * vk: 25 32-byte big-endian words, concatenated:
 *   [nPublic, power, k1, k2, w, Qm(2), Ql(2), Qr(2), Qo(2), Qc(2), S1(2), S2(2), S3(2), X_2(4)]
 *   domain size n = 2^power, w its generator; G1 points (x, y), the point at infinity (0, 0); X_2 = [x]_2 in
 *   precompile order x1, x0, y1, y0.
 * proof (snarkjs' Solidity calldata order, 24 words):
 *   A, B, C, Z, T1, T2, T3, Wxi, Wxiw (x, y each), eval_a, eval_b, eval_c, eval_s1, eval_s2, eval_zw.
 *
 * With the challenges beta, gamma, alpha, xi, v (v1..v5 its powers), u of the transcript, L_i the Lagrange basis
 * at xi and PI = -sum s_i L_{i+1}(xi), the check is the single pairing equation
 *   e(-(Wxi + u Wxiw), X_2) · e(xi Wxi + u xi w Wxiw + F - E, [1]_2) == 1
 * with F = D + v1 A + v2 B + v3 C + v4 S1 + v5 S2, E = e·[1]_1 and D the linearisation commitment. Every term
 * goes into one running multi-scalar sum (subtractions become negated scalars), so the verifier makes 18 ecMul,
 * 18 ecAdd, one pairing of two pairs and one modexp (the batch inversion of the Lagrange denominators).
 *
 * nPublic = 0 is allowed: like snarkjs' JavaScript verifier (its Solidity template cannot be compiled for no
 * public signals), L_1 is still evaluated for the permutation argument, nothing enters the transcript for the
 * public signals, and PI = 0.
 *
 * Returns false (never reverts) for a proof that does not verify: evaluations or public signals >= r, points
 * the precompiles reject (coordinates >= q, off the curve), a failed pairing. Reverts only for a malformed key
 * (`MalformedKey`: not 25 words, power not in 1..28, nPublic > 2^power, k1 / k2 / w not below r) or wrong counts
 * (`MalformedProof`: not 24 proof words, or not nPublic signals).
 */
contract PlonkVerifier {
    error MalformedKey();
    error MalformedProof(uint256 proofWords, uint256 signals);

    /// BN254 scalar field order r.
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// BN254 base field modulus q.
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    // [1]_2 in precompile order (x1, x0, y1, y0)
    uint256 internal constant G2_X1 = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 internal constant G2_X0 = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 internal constant G2_Y1 = 4082367875863433681332203403145435568316851327593401208105741076214120093531;
    uint256 internal constant G2_Y0 = 8495653923123431417604973247489272438418190587263600148770280649306958101930;

    // Memory (absolute: the function ends in an assembly `return` and never hands memory back to Solidity).
    uint256 internal constant M_BETA = 0x80;
    uint256 internal constant M_GAMMA = 0xa0;
    uint256 internal constant M_ALPHA = 0xc0;
    uint256 internal constant M_XI = 0xe0;
    uint256 internal constant M_V1 = 0x100;
    uint256 internal constant M_U = 0x120;
    uint256 internal constant M_ZH = 0x140;
    uint256 internal constant M_XIN = 0x160;
    uint256 internal constant M_L1 = 0x180;
    uint256 internal constant M_PI = 0x1a0;
    /// running sum (x, y), then the ecMul operand (x, y, scalar): ecMul writes its product right after the sum
    uint256 internal constant M_ACC = 0x1c0;
    uint256 internal constant M_PT = 0x200;
    /// the pairing input: (-A1, X_2), (B1, [1]_2)
    uint256 internal constant M_PAIR = 0x260;
    /// transcript buffer, later the Lagrange denominators (3 words per public signal)
    uint256 internal constant M_BUF = 0x3e0;

    function verify(bytes calldata vk, uint256[] calldata proof, uint256[] calldata publicSignals)
        external
        view
        returns (bool)
    {
        uint256 vko;
        uint256 po;
        uint256 so;
        assembly {
            vko := vk.offset
            po := proof.offset
            so := publicSignals.offset
        }
        return _check(vko, vk.length, po, proof.length, so, publicSignals.length);
    }

    /// The key's shape and the counts (the only reverts), then the verification.
    function _check(uint256 vko, uint256 vkLen, uint256 po, uint256 proofLen, uint256 so, uint256 nSignals)
        private
        view
        returns (bool)
    {
        if (vkLen != 800) revert MalformedKey();
        uint256 nPublic;
        uint256 power;
        bool scalarsOk;
        assembly {
            nPublic := calldataload(vko)
            power := calldataload(add(vko, 0x20))
            scalarsOk := lt(calldataload(add(vko, 0x40)), R)
            scalarsOk := and(scalarsOk, lt(calldataload(add(vko, 0x60)), R))
            scalarsOk := and(scalarsOk, lt(calldataload(add(vko, 0x80)), R))
        }
        if (!scalarsOk || power == 0 || power > 28 || nPublic > (1 << power)) revert MalformedKey();
        if (proofLen != 24 || nSignals != nPublic) revert MalformedProof(proofLen, nSignals);
        return _verify(vko, po, so, nPublic, power);
    }

    /// The checks after the lengths; ends the call itself (assembly `return`) with the result.
    function _verify(uint256 vko, uint256 p, uint256 pubo, uint256 nPublic, uint256 power) private view returns (bool) {
        assembly {
            function fail() {
                mstore(0x00, 0)
                return(0x00, 0x20)
            }
            // sum += s * P, P from calldata at `cd`
            function mulAccCd(cd, s) {
                calldatacopy(M_PT, cd, 0x40)
                mstore(add(M_PT, 0x40), s)
                if iszero(staticcall(gas(), 0x07, M_PT, 0x60, M_PT, 0x40)) { fail() }
                if iszero(staticcall(gas(), 0x06, M_ACC, 0x80, M_ACC, 0x40)) { fail() }
            }
            // sum := s * P, P from calldata at `cd`
            function mulSetCd(cd, s) {
                calldatacopy(M_ACC, cd, 0x40)
                mstore(add(M_ACC, 0x40), s)
                if iszero(staticcall(gas(), 0x07, M_ACC, 0x60, M_ACC, 0x40)) { fail() }
            }

            // ---- evaluations and public signals are field elements
            for { let i := 18 } lt(i, 24) { i := add(i, 1) } {
                if iszero(lt(calldataload(add(p, shl(5, i))), R)) { fail() }
            }
            for { let i := 0 } lt(i, nPublic) { i := add(i, 1) } {
                if iszero(lt(calldataload(add(pubo, shl(5, i))), R)) { fail() }
            }

            // ---- transcript (Keccak-256 of 32-byte big-endian words, reduced mod r)
            {
                let pubBytes := shl(5, nPublic)
                // beta: Qm, Ql, Qr, Qo, Qc, S1, S2, S3 (vk words 5..20), public signals, A, B, C
                calldatacopy(M_BUF, add(vko, 0xa0), 0x200)
                calldatacopy(add(M_BUF, 0x200), pubo, pubBytes)
                calldatacopy(add(add(M_BUF, 0x200), pubBytes), p, 0xc0)
                let beta := mod(keccak256(M_BUF, add(0x2c0, pubBytes)), R)
                mstore(M_BETA, beta)
                // gamma: beta
                let gamma := mod(keccak256(M_BETA, 0x20), R)
                mstore(M_GAMMA, gamma)
                // alpha: beta, gamma, Z
                mstore(M_BUF, beta)
                mstore(add(M_BUF, 0x20), gamma)
                calldatacopy(add(M_BUF, 0x40), add(p, 0xc0), 0x40)
                let alpha := mod(keccak256(M_BUF, 0x80), R)
                mstore(M_ALPHA, alpha)
                // xi: alpha, T1, T2, T3
                mstore(M_BUF, alpha)
                calldatacopy(add(M_BUF, 0x20), add(p, 0x100), 0xc0)
                let xi := mod(keccak256(M_BUF, 0xe0), R)
                mstore(M_XI, xi)
                // v: xi, the six evaluations
                mstore(M_BUF, xi)
                calldatacopy(add(M_BUF, 0x20), add(p, 0x240), 0xc0)
                mstore(M_V1, mod(keccak256(M_BUF, 0xe0), R))
                // u: Wxi, Wxiw
                calldatacopy(M_BUF, add(p, 0x1c0), 0x80)
                mstore(M_U, mod(keccak256(M_BUF, 0x80), R))

                // xi^n, Z_H(xi) = xi^n - 1
                let xin := xi
                for { let i := 0 } lt(i, power) { i := add(i, 1) } { xin := mulmod(xin, xin, R) }
                mstore(M_XIN, xin)
                mstore(M_ZH, addmod(xin, sub(R, 1), R))
            }

            // ---- Lagrange basis L_{i+1}(xi) = w^i Z_H(xi) / (n (xi - w^i)), i < max(1, nPublic), by one
            //      batch inversion; PI = -sum s_i L_{i+1}(xi)
            {
                let nL := nPublic
                if iszero(nL) { nL := 1 }
                let n := shl(power, 1)
                let xi := mload(M_XI)
                let w := calldataload(add(vko, 0x80))
                let wi := 1
                let prod := 1
                // per i, 3 words at M_BUF + 0x60 i: d_i = n (xi - w^i), prefix product d_0 ... d_i, s_i w^i
                for { let i := 0 } lt(i, nL) { i := add(i, 1) } {
                    let slot := add(M_BUF, mul(i, 0x60))
                    let d := mulmod(n, addmod(xi, sub(R, wi), R), R)
                    prod := mulmod(prod, d, R)
                    mstore(slot, d)
                    mstore(add(slot, 0x20), prod)
                    let s := 0
                    if lt(i, nPublic) { s := calldataload(add(pubo, shl(5, i))) }
                    mstore(add(slot, 0x40), mulmod(s, wi, R))
                    wi := mulmod(wi, w, R)
                }
                // prod^-1 = prod^(r-2) (modexp precompile; 0 stays 0)
                mstore(M_PAIR, 0x20)
                mstore(add(M_PAIR, 0x20), 0x20)
                mstore(add(M_PAIR, 0x40), 0x20)
                mstore(add(M_PAIR, 0x60), prod)
                mstore(add(M_PAIR, 0x80), sub(R, 2))
                mstore(add(M_PAIR, 0xa0), R)
                if iszero(staticcall(gas(), 0x05, M_PAIR, 0xc0, M_PAIR, 0x20)) { fail() }
                let inv := mload(M_PAIR)
                let sum := 0
                for { let i := sub(nL, 1) } i { i := sub(i, 1) } {
                    let slot := add(M_BUF, mul(i, 0x60))
                    // 1/d_i = (1/(d_0..d_i)) · (d_0..d_{i-1})
                    let invD := mulmod(inv, mload(sub(slot, 0x40)), R)
                    inv := mulmod(inv, mload(slot), R)
                    sum := addmod(sum, mulmod(mload(add(slot, 0x40)), invD, R), R)
                }
                // now inv = 1/d_0
                let zh := mload(M_ZH)
                sum := addmod(sum, mulmod(mload(add(M_BUF, 0x40)), inv, R), R)
                mstore(M_L1, mulmod(zh, inv, R))
                mstore(M_PI, addmod(0, sub(R, mulmod(zh, sum, R)), R))
            }

            // ---- A1 = Wxi + u Wxiw; the pairing's first pair is (-A1, X_2)
            {
                calldatacopy(M_ACC, add(p, 0x1c0), 0x40)
                mulAccCd(add(p, 0x200), mload(M_U))
                mstore(M_PAIR, mload(M_ACC))
                mstore(add(M_PAIR, 0x20), mod(sub(Q, mload(add(M_ACC, 0x20))), Q))
                calldatacopy(add(M_PAIR, 0x40), add(vko, 0x2a0), 0x80)
            }

            // ---- B1 = D + v1 A + v2 B + v3 C + v4 S1 + v5 S2 - E + xi Wxi + u xi w Wxiw, one running sum
            {
                // D, gate part: ab Qm + a Ql + b Qr + c Qo + Qc
                mulSetCd(add(vko, 0xa0), mulmod(calldataload(add(p, 0x240)), calldataload(add(p, 0x260)), R))
                mulAccCd(add(vko, 0xe0), calldataload(add(p, 0x240)))
                mulAccCd(add(vko, 0x120), calldataload(add(p, 0x260)))
                mulAccCd(add(vko, 0x160), calldataload(add(p, 0x280)))
                calldatacopy(M_PT, add(vko, 0x1a0), 0x40)
                if iszero(staticcall(gas(), 0x06, M_ACC, 0x80, M_ACC, 0x40)) { fail() }
                // D, permutation part: (prod(a|b|c + beta xi k + gamma) alpha + L1 alpha^2 + u) Z
                {
                    let betaxi := mulmod(mload(M_BETA), mload(M_XI), R)
                    let z := mulmod(addmod(addmod(calldataload(add(p, 0x240)), betaxi, R), mload(M_GAMMA), R),
                        addmod(addmod(calldataload(add(p, 0x260)), mulmod(betaxi, calldataload(add(vko, 0x40)), R), R), mload(M_GAMMA), R), R)
                    z := mulmod(z,
                        addmod(addmod(calldataload(add(p, 0x280)), mulmod(betaxi, calldataload(add(vko, 0x60)), R), R), mload(M_GAMMA), R), R)
                    z := mulmod(z, mload(M_ALPHA), R)
                    z := addmod(z, mulmod(mload(M_L1), mulmod(mload(M_ALPHA), mload(M_ALPHA), R), R), R)
                    z := addmod(z, mload(M_U), R)
                    mulAccCd(add(p, 0xc0), z)
                }
                // t = (a + beta s1 + gamma)(b + beta s2 + gamma) zw alpha: D has -t beta S3, r0 has -t (c + gamma)
                let t := mulmod(
                    addmod(addmod(calldataload(add(p, 0x240)), mulmod(mload(M_BETA), calldataload(add(p, 0x2a0)), R), R), mload(M_GAMMA), R),
                    addmod(addmod(calldataload(add(p, 0x260)), mulmod(mload(M_BETA), calldataload(add(p, 0x2c0)), R), R), mload(M_GAMMA), R), R)
                t := mulmod(mulmod(t, calldataload(add(p, 0x2e0)), R), mload(M_ALPHA), R)
                mulAccCd(add(vko, 0x260), sub(R, mulmod(t, mload(M_BETA), R)))
                // D, quotient part: -Z_H(xi) (T1 + xi^n T2 + xi^2n T3)
                {
                    let nzh := sub(R, mload(M_ZH))
                    let xin := mload(M_XIN)
                    mulAccCd(add(p, 0x100), nzh)
                    nzh := mulmod(nzh, xin, R)
                    mulAccCd(add(p, 0x140), nzh)
                    mulAccCd(add(p, 0x180), mulmod(nzh, xin, R))
                }
                // F's openings v^k (A, B, C, S1, S2) and -E = (r0 - sum v^k eval_k - u zw) [1]_1
                {
                    let v1 := mload(M_V1)
                    let v := v1
                    // e = -r0 = -PI + L1 alpha^2 + t (c + gamma), plus the openings
                    let e := addmod(sub(R, mload(M_PI)), mulmod(mload(M_L1), mulmod(mload(M_ALPHA), mload(M_ALPHA), R), R), R)
                    e := addmod(e, mulmod(t, addmod(calldataload(add(p, 0x280)), mload(M_GAMMA), R), R), R)
                    mulAccCd(p, v)
                    e := addmod(e, mulmod(v, calldataload(add(p, 0x240)), R), R)
                    v := mulmod(v, v1, R)
                    mulAccCd(add(p, 0x40), v)
                    e := addmod(e, mulmod(v, calldataload(add(p, 0x260)), R), R)
                    v := mulmod(v, v1, R)
                    mulAccCd(add(p, 0x80), v)
                    e := addmod(e, mulmod(v, calldataload(add(p, 0x280)), R), R)
                    v := mulmod(v, v1, R)
                    mulAccCd(add(vko, 0x1e0), v)
                    e := addmod(e, mulmod(v, calldataload(add(p, 0x2a0)), R), R)
                    v := mulmod(v, v1, R)
                    mulAccCd(add(vko, 0x220), v)
                    e := addmod(e, mulmod(v, calldataload(add(p, 0x2c0)), R), R)
                    e := addmod(e, mulmod(mload(M_U), calldataload(add(p, 0x2e0)), R), R)
                    // -E
                    mstore(M_PT, 1)
                    mstore(add(M_PT, 0x20), 2)
                    mstore(add(M_PT, 0x40), sub(R, e))
                    if iszero(staticcall(gas(), 0x07, M_PT, 0x60, M_PT, 0x40)) { fail() }
                    if iszero(staticcall(gas(), 0x06, M_ACC, 0x80, M_ACC, 0x40)) { fail() }
                }
                // xi Wxi + u xi w Wxiw
                {
                    let xi := mload(M_XI)
                    mulAccCd(add(p, 0x1c0), xi)
                    mulAccCd(add(p, 0x200), mulmod(mulmod(mload(M_U), xi, R), calldataload(add(vko, 0x80)), R))
                }
            }

            // ---- e(-A1, X_2) · e(B1, [1]_2) == 1
            mstore(add(M_PAIR, 0xc0), mload(M_ACC))
            mstore(add(M_PAIR, 0xe0), mload(add(M_ACC, 0x20)))
            mstore(add(M_PAIR, 0x100), G2_X1)
            mstore(add(M_PAIR, 0x120), G2_X0)
            mstore(add(M_PAIR, 0x140), G2_Y1)
            mstore(add(M_PAIR, 0x160), G2_Y0)
            if iszero(staticcall(gas(), 0x08, M_PAIR, 0x180, 0x00, 0x20)) { fail() }
            return(0x00, 0x20)
        }
    }
}
