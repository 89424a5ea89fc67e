// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title BLS aggregate certificate verifier (draft SPEC §11.10, issue 15 item 2). Proposed: not wired into the Escrow.
/// @notice Checks one aggregate certificate (a signer bitmap over an ordered key set and one BLS signature over a
/// 32-byte digest) with one hash-to-G2 and one two-pair pairing, whatever the number of signers. It uses the same
/// ciphersuite as `packages/protocol/src/bls` (blst): BLS12-381 min-pk, public keys in G1, signatures in G2, the IETF
/// proof-of-possession suite with DST `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`.
///
/// Needs the EIP-2537 precompiles (Prague: anvil `--hardfork prague`). They are called by raw address with
/// STATICCALL, so this contract compiles for any evmVersion (the package pins cancun). On a chain without them a
/// call to those addresses "succeeds" with no output, so every call checks the output length too: registration
/// reverts `BadPublicKeys`, hashing `HashToCurveFailed`, and no certificate can ever be accepted.
///
/// Key sets. A key set (e.g. one stake epoch's committee) is an ordered list of `(operator, G1 key, weight)`,
/// operators strictly ascending (the committee's canonical order, SPEC §11.3), built by the owner with
/// `openKeySet`, `appendKeys` (or `appendKeysWithProofs`) and `sealKeySet`, or `registerKeySet` in one call.
/// The keys and weights are written as contract code (data contracts: 112-byte records `x || y || weight`,
/// 219 per contract), the set's aggregate public key `apk` (sum of all keys, computed with G1MSM, which also
/// checks that every key is on the curve and in the prime-order subgroup) and a running hash `keysHash` over the
/// records go into a sealed header (also code). A verification reads the keys of the minority side of the bitmap
/// straight from that code: no key is passed in call data, so nothing needs a Merkle proof, and a key can never be
/// substituted (code is immutable; the data contracts start with STOP, so they cannot be called into).
///
/// Rogue keys. `FastAggregateVerify` over a list of keys is sound only if every key came with a proof of
/// possession (else a key `R = a·G − V` lets one party "sign for" V and R). `appendKeys` TRUSTS the owner to
/// have checked the proofs off chain (`verifyBlsProofOfPossession`, as the registry in the protocol package
/// does); `appendKeysWithProofs` checks each proof on chain (a hash-to-G2 and a pairing per key, ~170k gas).
/// Neither checks that keys are distinct (the off-chain registry refuses `DUPLICATE_KEY`).
contract BlsCertificateVerifier {
    // ------------------------------------------------------------------ constants

    /// The ciphersuite's hash-to-G2 domain separation tag (blst's POP suite, `BLS_CIPHERSUITE` off chain).
    bytes public constant DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    /// Prefix of the proof-of-possession message: `POP_DOMAIN || operator (20) || compressed key (48)`.
    bytes public constant POP_DOMAIN = "zkpool/bls/pop/v1";
    /// Bytes per key record in a data contract: `x (48) || y (48) || weight (16)`.
    uint256 public constant RECORD_BYTES = 112;
    /// Records per data contract ((24576 - 1) / 112, EIP-170).
    uint256 public constant RECORDS_PER_CHUNK = 219;
    /// Largest key set.
    uint256 public constant MAX_KEYS = 8192;

    uint256 private constant SHA256 = 0x02;
    uint256 private constant MODEXP = 0x05;
    uint256 private constant G1ADD = 0x0b;
    uint256 private constant G1MSM = 0x0c;
    uint256 private constant G2ADD = 0x0d;
    uint256 private constant PAIRING = 0x0f;
    uint256 private constant MAP_FP2_TO_G2 = 0x11;

    // A failing precompile burns all the gas it was given: give each a bounded amount (about 10x its price).
    uint256 private constant G1ADD_GAS = 5_000; // 375
    uint256 private constant G2ADD_GAS = 6_000; // 600
    uint256 private constant MAP_GAS = 100_000; // 23,800
    uint256 private constant PAIRING_GAS = 400_000; // 32,600 * 2 + 37,700 = 102,900
    uint256 private constant MODEXP_GAS = 5_000; // 200

    // p, the base field modulus, as two words of the 64-byte EIP-2537 encoding.
    uint256 private constant P_HI = 0x1a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 private constant P_LO = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;
    // (p - 1) / 2: y is "lexicographically largest" (the compressed sign flag) iff y > this.
    uint256 private constant HALF_HI = 0x0d0088f51cbff34d258dd3db21a5d66b;
    uint256 private constant HALF_LO = 0xb23ba5c279c2895fb39869507b587b120f55ffff58a9ffffdcff7fffffffd555;
    // -G1 (the negated generator of G1).
    uint256 private constant NEG_G1_X_HI = 0x17f1d3a73197d7942695638c4fa9ac0f;
    uint256 private constant NEG_G1_X_LO = 0xc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb;
    uint256 private constant NEG_G1_Y_HI = 0x114d1d6855d545a8aa7d76c8cf2e21f2;
    uint256 private constant NEG_G1_Y_LO = 0x67816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca;

    // ------------------------------------------------------------------ state

    struct Builder {
        bool open;
        uint32 size;
        address lastOperator;
        uint256 totalWeight;
        bytes32 keysHash;
        /// Sum of the keys so far, EIP-2537 encoding (x_hi, x_lo, y_hi, y_lo); all zero = infinity.
        uint256[4] apk;
        address[] chunks;
    }

    address public immutable owner;
    /// Key sets opened so far; ids are 1..keySetCount.
    uint256 public keySetCount;
    mapping(uint256 => Builder) private _builders;
    /// Sealed sets: the header data contract (words: size, totalWeight, keysHash, apk[4], chunk addresses).
    mapping(uint256 => address) private _headers;

    event KeySetOpened(uint256 indexed setId);
    event KeySetSealed(uint256 indexed setId, uint256 size, uint256 totalWeight, bytes32 keysHash, address header);

    error NotOwner(address caller);
    error UnknownKeySet(uint256 setId);
    error KeySetNotOpen(uint256 setId);
    error EmptyKeySet(uint256 setId);
    error LengthMismatch();
    error TooManyKeys(uint256 size);
    error OperatorsNotAscending(uint256 index);
    error ZeroWeight(uint256 index);
    error WeightTooLarge(uint256 index);
    /// A key is not 96 bytes `x || y` with clear flag bits, or is the point at infinity.
    error MalformedPublicKey(uint256 index);
    /// G1MSM refused the batch: some key is not on the curve or not in the prime-order subgroup.
    error BadPublicKeys();
    error BadProofOfPossession(uint256 index);
    error AggregateIsInfinity();
    error DataDeployFailed();
    error BadBitmapLength(uint256 expected, uint256 actual);
    error BitBeyondSet(uint256 index);
    error NoSigners();
    error BelowQuorum(uint256 signedWeight, uint256 totalWeight);
    /// The signature is not 192 bytes of an uncompressed point with clear flag bits, or is infinity.
    error MalformedSignature();
    /// The pairing check failed, or the signature is not a G2 point of the prime-order subgroup.
    error InvalidSignature();
    error HashToCurveFailed();

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    // ------------------------------------------------------------------ registration

    /// Opens an empty key set; returns its id.
    function openKeySet() public onlyOwner returns (uint256 setId) {
        setId = ++keySetCount;
        _builders[setId].open = true;
        emit KeySetOpened(setId);
    }

    /// Appends keys to an open set. `publicKeys` is `m` × 96 bytes, each the uncompressed blst encoding `x || y`
    /// (48 bytes each, big-endian; `PublicKey.toBytes(false)`). Operators strictly ascending across the whole set,
    /// weights non-zero and below 2^128. TRUSTS that each key's proof of possession was checked off chain.
    function appendKeys(
        uint256 setId,
        address[] calldata operators,
        bytes calldata publicKeys,
        uint256[] calldata weights
    ) public onlyOwner {
        _append(setId, operators, publicKeys, weights);
    }

    /// As `appendKeys`, and checks each key's proof of possession (`proofs`: `m` × 192-byte uncompressed G2
    /// signatures over `POP_DOMAIN || operator || compressedKey`) on chain.
    function appendKeysWithProofs(
        uint256 setId,
        address[] calldata operators,
        bytes calldata publicKeys,
        uint256[] calldata weights,
        bytes calldata proofs
    ) external onlyOwner {
        uint256 m = operators.length;
        if (proofs.length != m * 192 || publicKeys.length != m * 96) revert LengthMismatch();
        for (uint256 i = 0; i < m; ++i) {
            if (!_checkPop(operators[i], publicKeys[i * 96:i * 96 + 96], proofs[i * 192:i * 192 + 192])) {
                revert BadProofOfPossession(i);
            }
        }
        _append(setId, operators, publicKeys, weights);
    }

    /// Seals an open, non-empty set: writes its header; it can be verified against from now on and never changes.
    function sealKeySet(uint256 setId) public onlyOwner {
        Builder storage b = _builders[setId];
        if (!b.open) revert KeySetNotOpen(setId);
        uint256 size = b.size;
        if (size == 0) revert EmptyKeySet(setId);
        uint256[4] memory apk = b.apk;
        if (apk[0] | apk[1] | apk[2] | apk[3] == 0) revert AggregateIsInfinity();
        address[] memory chunks = b.chunks;
        bytes memory header = abi.encodePacked(size, b.totalWeight, b.keysHash, apk, chunks);
        address h = _deployData(header);
        _headers[setId] = h;
        b.open = false;
        emit KeySetSealed(setId, size, b.totalWeight, b.keysHash, h);
    }

    /// `openKeySet` + `appendKeys` + `sealKeySet` in one transaction (for sets that fit in one block).
    function registerKeySet(
        address[] calldata operators,
        bytes calldata publicKeys,
        uint256[] calldata weights
    ) external onlyOwner returns (uint256 setId) {
        setId = openKeySet();
        _append(setId, operators, publicKeys, weights);
        sealKeySet(setId);
    }

    function _append(
        uint256 setId,
        address[] calldata operators,
        bytes calldata publicKeys,
        uint256[] calldata weights
    ) private {
        Builder storage b = _builders[setId];
        if (!b.open) revert KeySetNotOpen(setId);
        uint256 m = operators.length;
        if (m == 0 || weights.length != m || publicKeys.length != m * 96) revert LengthMismatch();
        uint256 start = b.size;
        if (start + m > MAX_KEYS) revert TooManyKeys(start + m);

        (address prev, uint256 added) = _checkOperatorsAndWeights(operators, weights, start, b.lastOperator);
        (bytes memory msm, bytes32 h) = _ingestKeys(operators, publicKeys, weights, start, b.keysHash);

        _addToApk(b, msm);
        _writeRecords(b, publicKeys, weights, start);

        b.size = uint32(start + m);
        b.lastOperator = prev;
        b.totalWeight += added;
        b.keysHash = h;
    }

    /// b.apk += Σ keys, summed with G1MSM (all scalars 1), which refuses points off the curve or the subgroup.
    function _addToApk(Builder storage b, bytes memory msm) private {
        uint256[4] memory sum;
        bool ok;
        // 12,000 per point at most (k = 1; less with the MSM discount), with room for a repricing.
        uint256 msmGas = (msm.length / 160) * 24_000 + 50_000;
        assembly ("memory-safe") {
            ok := staticcall(msmGas, G1MSM, add(msm, 0x20), mload(msm), sum, 128)
            ok := and(ok, eq(returndatasize(), 128))
        }
        if (!ok) revert BadPublicKeys();
        uint256[4] memory acc = b.apk;
        uint256[8] memory addIn = [acc[0], acc[1], acc[2], acc[3], sum[0], sum[1], sum[2], sum[3]];
        assembly ("memory-safe") {
            ok := staticcall(G1ADD_GAS, G1ADD, addIn, 256, acc, 128)
            ok := and(ok, eq(returndatasize(), 128))
        }
        if (!ok) revert BadPublicKeys();
        b.apk = acc;
    }

    /// Records into data contracts: fill the last chunk first, then new ones.
    function _writeRecords(Builder storage b, bytes calldata publicKeys, uint256[] calldata weights, uint256 start) private {
        uint256 m = weights.length;
        for (uint256 i = 0; i < m; ) {
            uint256 inChunk = (start + i) % RECORDS_PER_CHUNK;
            uint256 count = RECORDS_PER_CHUNK - inChunk;
            if (count > m - i) count = m - i;
            if (inChunk != 0) {
                // Re-deploy the partial last chunk with the new records appended.
                uint256 lastIndex = b.chunks.length - 1;
                address last = b.chunks[lastIndex];
                bytes memory old = new bytes(inChunk * RECORD_BYTES);
                assembly ("memory-safe") {
                    extcodecopy(last, add(old, 0x20), 1, mload(old))
                }
                b.chunks[lastIndex] = _deployData(bytes.concat(old, _records(publicKeys, weights, i, count)));
            } else {
                b.chunks.push(_deployData(_records(publicKeys, weights, i, count)));
            }
            i += count;
        }
    }

    function _checkOperatorsAndWeights(
        address[] calldata operators,
        uint256[] calldata weights,
        uint256 start,
        address prev
    ) private pure returns (address last, uint256 added) {
        for (uint256 i = 0; i < operators.length; ++i) {
            address op = operators[i];
            if (op <= prev) revert OperatorsNotAscending(start + i);
            prev = op;
            uint256 w = weights[i];
            if (w == 0) revert ZeroWeight(start + i);
            if (w >> 128 != 0) revert WeightTooLarge(start + i);
            added += w;
        }
        last = prev;
    }

    /// The G1MSM input for the keys (each point with scalar 1) and the running hash over the records.
    function _ingestKeys(
        address[] calldata operators,
        bytes calldata publicKeys,
        uint256[] calldata weights,
        uint256 start,
        bytes32 h
    ) private pure returns (bytes memory msm, bytes32) {
        uint256 m = operators.length;
        msm = new bytes(m * 160);
        for (uint256 i = 0; i < m; ++i) {
            address op = operators[i];
            uint256 w = weights[i];
            bool bad;
            assembly ("memory-safe") {
                let src := add(publicKeys.offset, mul(i, 96))
                // Flag bits (compressed / infinity / sign) must be clear in x and y; (0, 0) is infinity.
                bad := or(shr(253, calldataload(src)), shr(253, calldataload(add(src, 48))))
                let slice := add(add(msm, 0x20), mul(i, 160))
                // `new bytes` memory is zeroed: only the coordinates and the scalar are written.
                calldatacopy(add(slice, 16), src, 48)
                calldatacopy(add(slice, 80), add(src, 48), 48)
                mstore(add(slice, 128), 1)
                if iszero(or(or(mload(slice), mload(add(slice, 32))), or(mload(add(slice, 64)), mload(add(slice, 96))))) {
                    bad := 1
                }
                // keysHash = keccak256(keysHash || operator || x || y || uint128 weight): 164 bytes.
                let ptr := mload(0x40)
                mstore(ptr, h)
                mstore(add(ptr, 32), shl(96, op))
                calldatacopy(add(ptr, 52), src, 96)
                mstore(add(ptr, 148), shl(128, w))
                h := keccak256(ptr, 164)
            }
            if (bad) revert MalformedPublicKey(start + i);
        }
        return (msm, h);
    }

    function _records(
        bytes calldata publicKeys,
        uint256[] calldata weights,
        uint256 from,
        uint256 count
    ) private pure returns (bytes memory data) {
        data = new bytes(count * RECORD_BYTES);
        for (uint256 k = 0; k < count; ++k) {
            uint256 w = weights[from + k];
            assembly ("memory-safe") {
                let dst := add(add(data, 0x20), mul(k, 112))
                calldatacopy(dst, add(publicKeys.offset, mul(add(from, k), 96)), 96)
                // 16-byte weight; the 16 bytes it overwrites past the record are rewritten by the next one.
                mstore(add(dst, 96), shl(128, w))
            }
        }
    }

    /// Deploys `data` as the code of a new contract, prefixed with STOP (SSTORE2 layout): read it back with
    /// EXTCODECOPY at offset 1.
    function _deployData(bytes memory data) private returns (address a) {
        bytes memory init = abi.encodePacked(hex"61", uint16(data.length + 1), hex"80600a3d393df300", data);
        assembly ("memory-safe") {
            a := create(0, add(init, 0x20), mload(init))
        }
        if (a == address(0)) revert DataDeployFailed();
    }

    // ------------------------------------------------------------------ verification

    /// Verifies an aggregate certificate on key set `setId`: `signerBitmap` is `ceil(n/8)` bytes, bit i =
    /// `bitmap[i >> 3] >> (i & 7) & 1` (member i of the set's order), no bit at `>= n`; the signers hold at least
    /// 2/3 of the set's weight (`3·signed >= 2·total`); `signature` is the 192-byte uncompressed blst encoding of
    /// the aggregate G2 signature (`Signature.toBytes(false)`) and `e(apk_signers, H(digest)) == e(G1, signature)`.
    /// apk_signers is `apk − Σ non-signers` when at least half sign, else `Σ signers`. Reverts with the first
    /// failure; returns the signed and total weight.
    function verifyCertificate(
        uint256 setId,
        bytes32 digest,
        bytes calldata signerBitmap,
        bytes calldata signature
    ) external view returns (uint256 signedWeight, uint256 totalWeight) {
        address header = _headers[setId];
        if (header == address(0)) revert UnknownKeySet(setId);
        if (signature.length != 192) revert MalformedSignature();

        // Header words: size, totalWeight, keysHash, apk[4], then chunk addresses.
        uint256 hdr;
        uint256 n;
        assembly ("memory-safe") {
            hdr := mload(0x40)
            extcodecopy(header, hdr, 1, 224)
            n := mload(hdr)
            let chunkCount := div(add(n, 218), 219)
            extcodecopy(header, add(hdr, 224), 225, mul(chunkCount, 32))
            mstore(0x40, add(add(hdr, 224), mul(chunkCount, 32)))
        }

        uint256 pin = _checkBitmapAndSum(hdr, n, signerBitmap);
        totalWeight = _mload(hdr + 32);
        signedWeight = _mload(pin + 768);
        if (3 * signedWeight < 2 * totalWeight) revert BelowQuorum(signedWeight, totalWeight);

        _hashToG2(abi.encodePacked(digest), DST, pin + 128);
        bool ok;
        assembly ("memory-safe") {
            mstore(add(pin, 384), NEG_G1_X_HI)
            mstore(add(pin, 416), NEG_G1_X_LO)
            mstore(add(pin, 448), NEG_G1_Y_HI)
            mstore(add(pin, 480), NEG_G1_Y_LO)
        }
        if (!_decodeSignature(signature, pin + 512)) revert MalformedSignature();
        assembly ("memory-safe") {
            mstore(0x00, 0)
            ok := staticcall(PAIRING_GAS, PAIRING, pin, 768, 0x00, 32)
            ok := and(ok, and(eq(returndatasize(), 32), eq(mload(0x00), 1)))
        }
        if (!ok) revert InvalidSignature();
    }

    function _mload(uint256 ptr) private pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := mload(ptr)
        }
    }

    /// Checks the bitmap's shape (length, no bit beyond the set, a signer) and sums the minority side into a new
    /// pairing-input buffer `pin` (768 bytes; `pin[0..128]` = apk of the signers), followed by one word: the
    /// signed weight, and one more: the header pointer.
    function _checkBitmapAndSum(uint256 hdr, uint256 n, bytes calldata signerBitmap) private view returns (uint256 pin) {
        uint256 len = (n + 7) >> 3;
        if (signerBitmap.length != len) revert BadBitmapLength(len, signerBitmap.length);
        uint256 tailBits = n & 7;
        if (tailBits != 0) {
            uint256 last = uint8(signerBitmap[len - 1]);
            if (last >> tailBits != 0) {
                uint256 bit = tailBits;
                while ((last >> bit) & 1 == 0) ++bit;
                revert BitBeyondSet((len - 1) * 8 + bit);
            }
        }
        uint256 signers = _popcount(signerBitmap, len);
        if (signers == 0) revert NoSigners();
        uint256 bitmapOffset;
        assembly ("memory-safe") {
            pin := mload(0x40)
            mstore(0x40, add(pin, 832))
            mstore(add(pin, 800), hdr)
            bitmapOffset := signerBitmap.offset
        }
        bool subtract = 2 * signers >= n;
        uint256 sideWeight = _sumSide(pin, bitmapOffset, subtract);
        uint256 signed = subtract ? _mload(hdr + 32) - sideWeight : sideWeight;
        assembly ("memory-safe") {
            mstore(add(pin, 768), signed)
        }
    }

    /// Number of set bits in the first `len` bytes of `bitmap`.
    function _popcount(bytes calldata bitmap, uint256 len) private pure returns (uint256 count) {
        assembly ("memory-safe") {
            let m1 := 0x5555555555555555555555555555555555555555555555555555555555555555
            let m2 := 0x3333333333333333333333333333333333333333333333333333333333333333
            let m4 := 0x0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f
            let m8 := 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff
            let m16 := 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff
            let m32 := 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff
            let m64 := 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff
            for { let w := 0 } lt(w, len) { w := add(w, 32) } {
                // Keep only the bytes inside the bitmap (calldata past it may belong to other arguments).
                let x := and(calldataload(add(bitmap.offset, w)), not(shr(mul(8, sub(len, w)), not(0))))
                x := sub(x, and(shr(1, x), m1))
                x := add(and(x, m2), and(shr(2, x), m2))
                x := and(add(x, shr(4, x)), m4)
                x := add(and(x, m8), and(shr(8, x), m8))
                x := add(and(x, m16), and(shr(16, x), m16))
                x := add(and(x, m32), and(shr(32, x), m32))
                x := add(and(x, m64), and(shr(64, x), m64))
                count := add(count, add(and(x, 0xffffffffffffffffffffffffffffffff), shr(128, x)))
            }
        }
    }

    /// Sums (G1ADD) the keys of the signers (`subtract` false) or of the non-signers (`subtract` true) into
    /// `pin[0..128]`, and returns their total weight. With `subtract`, `pin[0..128]` ends as `apk − Σ`.
    /// Layout while summing: acc = pin[0..128] (starts at infinity, zeros), point = pin[128..256], record scratch =
    /// pin[256..384]; the pairing input is written over them afterwards.
    /// `pin[800..832]` holds the header's memory pointer (words: size, totalWeight, keysHash, apk[4], chunks).
    function _sumSide(uint256 pin, uint256 bitmapOffset, bool subtract) private view returns (uint256 weight) {
        assembly ("memory-safe") {
            mstore(pin, 0)
            mstore(add(pin, 32), 0)
            mstore(add(pin, 64), 0)
            mstore(add(pin, 96), 0)
            let len := shr(3, add(mload(mload(add(pin, 800))), 7))
            for { let w := 0 } lt(w, len) { w := add(w, 32) } {
                // This side's bits of the word at byte offset w, only bytes inside the bitmap, only members < n.
                let x := not(shr(mul(8, sub(len, w)), not(0)))
                x := and(xor(calldataload(add(bitmapOffset, w)), mul(subtract, not(0))), x)
                let tail := and(mload(mload(add(pin, 800))), 7)
                if and(subtract, and(iszero(iszero(tail)), lt(sub(sub(len, 1), w), 32))) {
                    // Clear the bits at >= n in the bitmap's last byte (byte j of this word).
                    x := and(x, not(shl(sub(248, mul(8, sub(sub(len, 1), w))), and(0xff, not(sub(shl(tail, 1), 1))))))
                }
                // Byte by byte from the top of the word: byte k holds members 8(w + k) .. 8(w + k) + 7, bit b of it
                // member 8(w + k) + b. Shifting the word left drops the byte just done; stop when nothing is left.
                for { let base := shl(3, w) } x { base := add(base, 8) x := shl(8, x) } {
                    for { let bv := shr(248, x) } bv { bv := and(bv, sub(bv, 1)) } {
                        // Lowest set bit of bv: per-nibble table, 2 bits per entry (0x12131210).
                        let idx := and(bv, 0xf)
                        switch idx
                        case 0 { idx := add(add(base, 4), and(shr(shl(1, shr(4, bv)), 0x12131210), 3)) }
                        default { idx := add(base, and(shr(shl(1, idx), 0x12131210), 3)) }
                        // The member's record: chunk idx / 219, offset 1 + 112 (idx % 219).
                        extcodecopy(
                            mload(add(mload(add(pin, 800)), add(224, shl(5, div(idx, 219))))),
                            add(pin, 256),
                            add(1, mul(mod(idx, 219), 112)),
                            112
                        )
                        mstore(add(pin, 128), shr(128, mload(add(pin, 256))))
                        mstore(add(pin, 160), mload(add(pin, 272)))
                        mstore(add(pin, 192), shr(128, mload(add(pin, 304))))
                        mstore(add(pin, 224), mload(add(pin, 320)))
                        weight := add(weight, shr(128, mload(add(pin, 352))))
                        // A failed call leaves no return data, and a missing precompile returns none: 128 bytes back = success.
                        pop(staticcall(G1ADD_GAS, G1ADD, pin, 256, pin, 128))
                        if iszero(eq(returndatasize(), 128)) {
                            mstore(0, shl(224, 0x8baa579f)) // InvalidSignature()
                            revert(0, 4)
                        }
                    }
                }
            }
            if subtract {
                // pin[0..128] = apk + (−Σ): negate y (p − y; infinity stays (0, 0)), add the header's apk.
                let yHi := mload(add(pin, 64))
                let yLo := mload(add(pin, 96))
                if or(yHi, yLo) {
                    mstore(add(pin, 96), sub(P_LO, yLo))
                    mstore(add(pin, 64), sub(sub(P_HI, yHi), lt(P_LO, yLo)))
                }
                mcopy(add(pin, 128), add(mload(add(pin, 800)), 96), 128)
                // A failed call leaves no return data, and a missing precompile returns none: 128 bytes back = success.
                pop(staticcall(G1ADD_GAS, G1ADD, pin, 256, pin, 128))
                if iszero(eq(returndatasize(), 128)) {
                    mstore(0, shl(224, 0x8baa579f)) // InvalidSignature()
                    revert(0, 4)
                }
            }
        }
        // The signers' keys add up to infinity only with cancelling (rogue) keys: refuse, as blst would.
        if (_mload(pin) | _mload(pin + 32) | _mload(pin + 64) | _mload(pin + 96) == 0) revert InvalidSignature();
    }

    /// Writes the EIP-2537 encoding (256 bytes) of a 192-byte uncompressed blst G2 point
    /// (`x.c1 || x.c0 || y.c1 || y.c0`) at `dst`. False for set flag bits or all zeros (infinity).
    function _decodeSignature(bytes calldata sig, uint256 dst) private pure returns (bool ok) {
        assembly ("memory-safe") {
            let s := sig.offset
            let flags := or(or(shr(253, calldataload(s)), shr(253, calldataload(add(s, 48)))),
                or(shr(253, calldataload(add(s, 96))), shr(253, calldataload(add(s, 144)))))
            // x.c0, x.c1, y.c0, y.c1
            mstore(dst, 0)
            calldatacopy(add(dst, 16), add(s, 48), 48)
            mstore(add(dst, 64), 0)
            calldatacopy(add(dst, 80), s, 48)
            mstore(add(dst, 128), 0)
            calldatacopy(add(dst, 144), add(s, 144), 48)
            mstore(add(dst, 192), 0)
            calldatacopy(add(dst, 208), add(s, 96), 48)
            let any := 0
            for { let k := 0 } lt(k, 256) { k := add(k, 32) } { any := or(any, mload(add(dst, k))) }
            ok := and(iszero(flags), iszero(iszero(any)))
        }
    }

    // ------------------------------------------------------------------ hash to G2 (RFC 9380)

    /// hash_to_curve for BLS12381G2_XMD:SHA-256_SSWU_RO_ with `dst`; writes the EIP-2537 point (256 bytes) at `out`.
    /// expand_message_xmd (SHA-256 precompile) to 256 bytes; hash_to_field: four 64-byte blocks, each reduced
    /// mod p (MODEXP, exponent 1), giving u0 = (e0, e1), u1 = (e2, e3); MAP_FP2_TO_G2 maps each (the precompile
    /// applies the SSWU map, the 3-isogeny and clear_cofactor, EIP-2537 field_to_curve.md), and since
    /// clear_cofactor is a group homomorphism, clear(Q0 + Q1) = clear(Q0) + clear(Q1): one G2ADD gives the result.
    function _hashToG2(bytes memory message, bytes memory dst, uint256 out) private view {
        bytes memory uniform = _expandMessageXmd(message, dst);
        bool ok = true;
        assembly ("memory-safe") {
            let fe := mload(0x40)
            // modexp input: Bsize = 64, Esize = 1, Msize = 48, base (64), exponent 0x01, modulus p (48).
            let mi := add(fe, 256)
            mstore(mi, 64)
            mstore(add(mi, 32), 1)
            mstore(add(mi, 64), 48)
            for { let k := 0 } lt(k, 4) { k := add(k, 1) } {
                mcopy(add(mi, 96), add(add(uniform, 0x20), mul(k, 64)), 64)
                mstore8(add(mi, 160), 1)
                mstore(add(mi, 161), shl(128, P_HI))
                mstore(add(mi, 177), P_LO)
                let slot := add(fe, mul(k, 64))
                mstore(slot, 0)
                ok := and(ok, staticcall(MODEXP_GAS, MODEXP, mi, 209, add(slot, 16), 48))
                ok := and(ok, eq(returndatasize(), 48))
            }
            // Q0 = map(u0), Q1 = map(u1) side by side, then Q0 + Q1.
            let q := add(fe, 512)
            ok := and(ok, staticcall(MAP_GAS, MAP_FP2_TO_G2, fe, 128, q, 256))
            ok := and(ok, eq(returndatasize(), 256))
            ok := and(ok, staticcall(MAP_GAS, MAP_FP2_TO_G2, add(fe, 128), 128, add(q, 256), 256))
            ok := and(ok, eq(returndatasize(), 256))
            ok := and(ok, staticcall(G2ADD_GAS, G2ADD, q, 512, out, 256))
            ok := and(ok, eq(returndatasize(), 256))
        }
        if (!ok) revert HashToCurveFailed();
    }

    /// expand_message_xmd (RFC 9380 §5.3.1) with SHA-256, len_in_bytes = 256 (ell = 8).
    function _expandMessageXmd(bytes memory message, bytes memory dst) private pure returns (bytes memory uniform) {
        if (dst.length > 255) revert HashToCurveFailed();
        bytes memory dstPrime = abi.encodePacked(dst, uint8(dst.length));
        bytes32 b0 = sha256(abi.encodePacked(bytes32(0), bytes32(0), message, uint16(256), uint8(0), dstPrime));
        bytes32 bi = sha256(abi.encodePacked(b0, uint8(1), dstPrime));
        uniform = new bytes(256);
        assembly ("memory-safe") {
            mstore(add(uniform, 0x20), bi)
        }
        for (uint256 i = 2; i <= 8; ++i) {
            bi = sha256(abi.encodePacked(b0 ^ bi, uint8(i), dstPrime));
            assembly ("memory-safe") {
                mstore(add(uniform, mul(i, 0x20)), bi)
            }
        }
    }

    // ------------------------------------------------------------------ proof of possession

    /// True iff `proof` (192-byte uncompressed G2) is `publicKey`'s (96-byte uncompressed G1) signature over
    /// `POP_DOMAIN || operator || compress(publicKey)`: the protocol's `verifyBlsProofOfPossession`.
    function verifyProofOfPossession(
        address operator,
        bytes calldata publicKey,
        bytes calldata proof
    ) external view returns (bool) {
        if (publicKey.length != 96 || proof.length != 192) return false;
        return _checkPop(operator, publicKey, proof);
    }

    function _checkPop(address operator, bytes calldata publicKey, bytes calldata proof) private view returns (bool ok) {
        uint256 pin;
        bytes memory compressed = new bytes(48);
        assembly ("memory-safe") {
            let src := publicKey.offset
            let bad := or(shr(253, calldataload(src)), shr(253, calldataload(add(src, 48))))
            pin := mload(0x40)
            mstore(0x40, add(pin, 768))
            mstore(pin, 0)
            calldatacopy(add(pin, 16), src, 48)
            mstore(add(pin, 64), 0)
            calldatacopy(add(pin, 80), add(src, 48), 48)
            if iszero(or(or(mload(pin), mload(add(pin, 32))), or(mload(add(pin, 64)), mload(add(pin, 96))))) {
                bad := 1
            }
            ok := iszero(bad)
            // Compressed encoding: x with 0x80 (compressed) and 0x20 when y > (p − 1) / 2.
            let yHi := mload(add(pin, 64))
            let yLo := mload(add(pin, 96))
            let big := or(gt(yHi, HALF_HI), and(eq(yHi, HALF_HI), gt(yLo, HALF_LO)))
            calldatacopy(add(compressed, 0x20), src, 48)
            let first := byte(0, mload(add(compressed, 0x20)))
            mstore8(add(compressed, 0x20), or(or(first, 0x80), mul(big, 0x20)))
        }
        if (!ok) return false;
        _hashToG2(abi.encodePacked(POP_DOMAIN, operator, compressed), DST, pin + 128);
        assembly ("memory-safe") {
            mstore(add(pin, 384), NEG_G1_X_HI)
            mstore(add(pin, 416), NEG_G1_X_LO)
            mstore(add(pin, 448), NEG_G1_Y_HI)
            mstore(add(pin, 480), NEG_G1_Y_LO)
        }
        if (!_decodeSignature(proof, pin + 512)) return false;
        assembly ("memory-safe") {
            mstore(0x00, 0)
            ok := staticcall(PAIRING_GAS, PAIRING, pin, 768, 0x00, 32)
            ok := and(ok, and(eq(returndatasize(), 32), eq(mload(0x00), 1)))
        }
    }

    // ------------------------------------------------------------------ views

    /// hash_to_curve(message) under the signature DST, as a 192-byte uncompressed blst G2 encoding
    /// (`x.c1 || x.c0 || y.c1 || y.c0`): equals the signature of `message` under the secret key 1.
    function hashToG2(bytes calldata message) external view returns (bytes memory) {
        return _hashToG2Bytes(message, DST);
    }

    /// As `hashToG2` with another DST (for the RFC 9380 test vectors).
    function hashToG2WithDst(bytes calldata message, bytes calldata dst) external view returns (bytes memory) {
        return _hashToG2Bytes(message, dst);
    }

    function _hashToG2Bytes(bytes memory message, bytes memory dst) private view returns (bytes memory r) {
        uint256 out;
        assembly ("memory-safe") {
            out := mload(0x40)
            mstore(0x40, add(out, 256))
        }
        _hashToG2(message, dst, out);
        r = new bytes(192);
        assembly ("memory-safe") {
            let d := add(r, 0x20)
            mcopy(d, add(out, 80), 48) // x.c1
            mcopy(add(d, 48), add(out, 16), 48) // x.c0
            mcopy(add(d, 96), add(out, 208), 48) // y.c1
            mcopy(add(d, 144), add(out, 144), 48) // y.c0
        }
    }

    /// A sealed or open key set: size, total weight, the running hash over its records (`keccak256(h ||
    /// operator || x || y || uint128 weight)` from h = 0), the aggregate key (96-byte uncompressed), sealed.
    function keySet(uint256 setId)
        external
        view
        returns (uint256 size, uint256 totalWeight, bytes32 keysHash, bytes memory aggregatePublicKey, bool isSealed)
    {
        Builder storage b = _builders[setId];
        if (setId == 0 || setId > keySetCount) revert UnknownKeySet(setId);
        size = b.size;
        totalWeight = b.totalWeight;
        keysHash = b.keysHash;
        isSealed = _headers[setId] != address(0);
        uint256[4] memory apk = b.apk;
        aggregatePublicKey = abi.encodePacked(uint128(apk[0]), apk[1], uint128(apk[2]), apk[3]);
    }

    /// The data contracts holding a set's records (219 per contract).
    function keySetChunks(uint256 setId) external view returns (address[] memory) {
        return _builders[setId].chunks;
    }
}
