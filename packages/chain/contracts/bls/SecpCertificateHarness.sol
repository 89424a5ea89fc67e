// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// BENCH HARNESS ONLY (bench/bls-gas.ts; not shipped, not in src/generated/artifacts.ts): the Escrow's v0
/// certificate check, `Escrow._checkCertificate(digest, cert, epoch, false)` and `Escrow._recover`, copied verbatim
/// from contracts/Escrow.sol (keep = false, the `_verifyCertificate` path), against a real StakeRegistry. It
/// measures what the Escrow pays per secp256k1 certificate: per signer an ascending-order check, one ecrecover
/// over a 65-byte signature and one `stakeAt` call (a binary search over the operator's checkpoints), then one
/// `totalStakeAt`. The EIP-712 hashing of the vote body is outside both this and the BLS verifier.
interface IStakeRegistryView {
    function stakeAt(address operator, uint64 epoch) external view returns (uint256);
    function totalStakeAt(uint64 epoch) external view returns (uint256);
}

contract SecpCertificateHarness {
    struct Certificate {
        address[] attesters;
        bytes[] signatures;
    }

    uint256 private constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    IStakeRegistryView public immutable stakeRegistry;

    error MalformedCertificate();
    error AttestersNotAscending(uint256 index);
    error InvalidAttesterSignature(uint256 index, address attester);
    error InsufficientQuorum(uint256 signedStake, uint256 totalStake);
    error InvalidSignature();

    constructor(IStakeRegistryView stakeRegistry_) {
        stakeRegistry = stakeRegistry_;
    }

    /// Reverts as the Escrow would (`_verifyCertificate`).
    function checkCertificate(bytes32 digest, Certificate calldata cert, uint64 epoch) external view {
        _checkCertificate(digest, cert, epoch, false);
    }

    function _checkCertificate(
        bytes32 digest,
        Certificate calldata cert,
        uint64 epoch,
        bool keep
    ) private view returns (uint256[] memory stakes) {
        uint256 n = cert.attesters.length;
        if (n == 0 || n != cert.signatures.length) revert MalformedCertificate();
        if (keep) stakes = new uint256[](n + 1);
        uint256 signedStake = 0;
        address prev = address(0);
        for (uint256 i = 0; i < n; ++i) {
            address a = cert.attesters[i];
            if (a <= prev) revert AttestersNotAscending(i);
            prev = a;
            if (_recover(digest, cert.signatures[i]) != a) revert InvalidAttesterSignature(i, a);
            uint256 s = stakeRegistry.stakeAt(a, epoch);
            if (keep) stakes[i] = s;
            signedStake += s;
        }
        uint256 total = stakeRegistry.totalStakeAt(epoch);
        if (total == 0 || 3 * signedStake < 2 * total) revert InsufficientQuorum(signedStake, total);
        if (keep) stakes[n] = signedStake;
    }

    function _recover(bytes32 digest, bytes calldata sig) private pure returns (address signer) {
        if (sig.length != 65) revert InvalidSignature();
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (v < 27) v += 27;
        if ((v != 27 && v != 28) || uint256(s) > HALF_N) revert InvalidSignature();
        signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) revert InvalidSignature();
    }
}
