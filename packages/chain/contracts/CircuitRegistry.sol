// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// A verifier that takes the verification key as data (Groth16Verifier, PlonkVerifier, FflonkVerifier).
interface IUniversalVerifier {
    function verify(bytes calldata vk, uint256[] calldata proof, uint256[] calldata publicSignals)
        external
        view
        returns (bool);
}

/// @title ZKPool circuit registry (protocol v1, SPEC §9.12): permissionless, bound to the verification key
/// @notice Any account registers a circuit by its canonical verification key (SPEC §1.12). The registry computes
/// `vkeySha256 = sha256(header || key)` and `circuitId = keccak256(abi.encode(proofSystem, wasmSha256, zkeySha256,
/// vkeySha256))` itself, so an id names exactly the key its proofs are checked against: a registration cannot
/// claim one key and verify with another. The wasm and zkey hashes are the registrant's word: a wrong one makes a
/// circuit nobody can prove, never a proof that verifies against another key. Registering the same circuit again
/// is a no-op. The key is stored once as contract code (read back with EXTCODECOPY), and proofs are checked by the
/// universal verifier of its proof system.
contract CircuitRegistry {
    uint8 public constant GROTH16 = 1;
    uint8 public constant PLONK = 2;
    uint8 public constant FFLONK = 3;
    /// Largest nPublic a key may declare (SPEC §1.12).
    uint256 public constant MAX_PUBLIC = 256;
    /// "ZKVK", format version 1; the proof system code goes in byte 5 (SPEC §1.12).
    uint256 private constant HEADER = (0x5a4b564b << 224) | (1 << 216);

    struct Circuit {
        /// Contract whose code after a leading STOP byte is the key's words.
        address key;
        uint8 proofSystem;
        uint32 nPublic;
        uint64 registeredAt;
        address registrant;
        bytes32 wasmSha256;
        bytes32 zkeySha256;
        bytes32 vkeySha256;
    }

    IUniversalVerifier public immutable groth16Verifier;
    IUniversalVerifier public immutable plonkVerifier;
    IUniversalVerifier public immutable fflonkVerifier;

    mapping(bytes32 => Circuit) private _circuits;
    bytes32[] private _ids;

    event CircuitRegistered(
        bytes32 indexed circuitId,
        uint8 proofSystem,
        address indexed registrant,
        uint32 nPublic,
        bytes32 vkeySha256
    );

    error ZeroAddress();
    error UnsupportedProofSystem(uint8 proofSystem);
    error MalformedKey();
    error UnknownCircuit(bytes32 circuitId, uint8 proofSystem);
    error KeyStoreFailed();

    constructor(IUniversalVerifier groth16_, IUniversalVerifier plonk_, IUniversalVerifier fflonk_) {
        if (address(groth16_) == address(0) || address(plonk_) == address(0) || address(fflonk_) == address(0))
            revert ZeroAddress();
        groth16Verifier = groth16_;
        plonkVerifier = plonk_;
        fflonkVerifier = fflonk_;
    }

    /// Registers a circuit by its canonical key words `vk` (without the header); returns its id. Anyone may
    /// call; a circuit already registered returns its id and changes nothing.
    function register(uint8 proofSystem, bytes32 wasmSha256, bytes32 zkeySha256, bytes calldata vk)
        external
        returns (bytes32 circuitId)
    {
        _verifier(proofSystem);
        if (vk.length < 32) revert MalformedKey();
        uint256 nPublic = uint256(bytes32(vk[0:32]));
        if (nPublic > MAX_PUBLIC || vk.length != 32 * keyWords(proofSystem, nPublic)) revert MalformedKey();
        bytes32 vkeySha256 = vkeyHash(proofSystem, vk);
        circuitId = keccak256(abi.encode(proofSystem, wasmSha256, zkeySha256, vkeySha256));
        if (_circuits[circuitId].key != address(0)) return circuitId;
        _circuits[circuitId] = Circuit({
            key: _storeKey(vk),
            proofSystem: proofSystem,
            nPublic: uint32(nPublic),
            registeredAt: uint64(block.timestamp),
            registrant: msg.sender,
            wasmSha256: wasmSha256,
            zkeySha256: zkeySha256,
            vkeySha256: vkeySha256
        });
        _ids.push(circuitId);
        emit CircuitRegistered(circuitId, proofSystem, msg.sender, uint32(nPublic), vkeySha256);
    }

    /// Whether `proof` for `publicSignals` verifies against the circuit's key. Reverts `UnknownCircuit` when the
    /// circuit is not registered under that proof system; the verifier reverts on malformed lengths.
    function verify(bytes32 circuitId, uint8 proofSystem, uint256[] calldata proof, uint256[] calldata publicSignals)
        external
        view
        returns (bool)
    {
        Circuit storage c = _circuits[circuitId];
        address key = c.key;
        if (key == address(0) || c.proofSystem != proofSystem) revert UnknownCircuit(circuitId, proofSystem);
        return _verifier(proofSystem).verify(_loadKey(key), proof, publicSignals);
    }

    function circuit(bytes32 circuitId) external view returns (Circuit memory) {
        return _circuits[circuitId];
    }

    function isRegistered(bytes32 circuitId, uint8 proofSystem) external view returns (bool) {
        Circuit storage c = _circuits[circuitId];
        return c.key != address(0) && c.proofSystem == proofSystem;
    }

    /// The key's words as registered (without the header).
    function verificationKey(bytes32 circuitId) external view returns (bytes memory) {
        address key = _circuits[circuitId].key;
        if (key == address(0)) revert UnknownCircuit(circuitId, 0);
        return _loadKey(key);
    }

    function circuitCount() external view returns (uint256) {
        return _ids.length;
    }

    /// Circuit ids in registration order, `count` from `start` (clamped to the end).
    function circuitIds(uint256 start, uint256 count) external view returns (bytes32[] memory out) {
        uint256 n = _ids.length;
        uint256 end = start >= n ? start : (count > n - start ? n : start + count);
        out = new bytes32[](end - start);
        for (uint256 i = start; i < end; ++i) out[i - start] = _ids[i];
    }

    /// Words in a key of `proofSystem` with `nPublic` inputs (SPEC §1.12).
    function keyWords(uint8 proofSystem, uint256 nPublic) public pure returns (uint256) {
        if (proofSystem == GROTH16) return 15 + 2 * (nPublic + 1);
        if (proofSystem == PLONK) return 25;
        if (proofSystem == FFLONK) return 15;
        revert UnsupportedProofSystem(proofSystem);
    }

    /// sha256 of the canonical key artifact: header word, then the words (SPEC §1.12).
    function vkeyHash(uint8 proofSystem, bytes calldata vk) public pure returns (bytes32) {
        return sha256(abi.encodePacked(HEADER | (uint256(proofSystem) << 208), vk));
    }

    function _verifier(uint8 proofSystem) private view returns (IUniversalVerifier) {
        if (proofSystem == GROTH16) return groth16Verifier;
        if (proofSystem == PLONK) return plonkVerifier;
        if (proofSystem == FFLONK) return fflonkVerifier;
        revert UnsupportedProofSystem(proofSystem);
    }

    /// Deploys a contract whose code is a STOP byte followed by `vk` (it cannot be called into).
    function _storeKey(bytes calldata vk) private returns (address key) {
        // Init code (12 bytes): PUSH2 size, DUP1, PUSH1 12, PUSH1 0, CODECOPY, PUSH1 0, RETURN; then the code.
        uint256 size = vk.length + 1;
        bytes memory init = abi.encodePacked(hex"61", uint16(size), hex"80600c6000396000f300", vk);
        assembly ("memory-safe") {
            key := create(0, add(init, 32), mload(init))
        }
        if (key == address(0)) revert KeyStoreFailed();
    }

    function _loadKey(address key) private view returns (bytes memory vk) {
        uint256 size = key.code.length - 1;
        vk = new bytes(size);
        assembly ("memory-safe") {
            extcodecopy(key, add(vk, 32), 1, size)
        }
    }
}
