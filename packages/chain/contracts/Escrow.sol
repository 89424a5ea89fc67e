// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

interface IStakeRegistry {
    function stakeAt(address operator, uint256 blockNumber) external view returns (uint256);
    function totalStakeAt(uint256 blockNumber) external view returns (uint256);
    function slash(address operator, uint256 amount, bytes32 taskId) external returns (uint256);
    function placeHold(address operator) external;
    function releaseHold(address operator) external;
}

/// @title ZKPool escrow: requester balances, task settlement, defaults, reward distribution
/// @notice Hashes exactly the EIP-712 structs of protocol/SPEC.md section 0.3 under the domain
/// {name "ZKPool", version "0", chainId, verifyingContract: this}.
///
/// Funds of a task are locked when the pool first touches the task on chain (`open`, `assign`, `settle` or
/// `reportDefault`, whichever comes first): `maxReward` moves from the requester's free balance into the task.
/// The requester publishes tasks off chain without gas; a pending withdrawal is delayed so the pool can see it
/// and the withdrawal cannot take funds that a task has locked in the meantime.
///
/// Accelerator royalty: each operator declares on chain (`setRoyaltyRecipient`) the author of the accelerator
/// module it runs; settlement pays `royaltyBps` of the prover's share to that address. The recipient is the
/// prover's own on-chain choice, so whoever submits the settlement cannot redirect it.
contract Escrow {
    // ------------------------------------------------------------------ types

    /// SPEC 0.3 Task, field for field.
    struct Task {
        address requester;
        uint8 proofSystem;
        bytes32 circuitId;
        bytes32 inputHash;
        bytes32 publicSignalsHash;
        uint256 maxReward;
        uint256 penalty;
        uint64 bidDeadline;
        uint64 revealDeadline;
        uint32 proofWindow;
        uint8 maxRounds;
        uint64 stakeEpoch;
        uint64 nonce;
    }

    /// Attester signatures over one EIP-712 digest, attesters strictly ascending (SPEC 0.7).
    struct Certificate {
        address[] attesters;
        bytes[] signatures;
    }

    /// SPEC 0.3 Assignment without its taskId (the escrow derives it from the Task).
    struct Assignment {
        uint32 round;
        address prover;
        uint256 price;
    }

    enum Status {
        None,
        Open,
        Settled,
        Failed
    }

    struct TaskRecord {
        Status status;
        uint32 round;
        uint32 defaults;
        address requester;
        address prover; // prover of the current round if its assignment was posted with `assign`
        uint256 locked;
        uint256 slashed;
    }

    struct Circuit {
        address verifier;
        uint8 proofSystem;
        uint32 nPublic;
        bytes4 selector;
    }

    struct Withdrawal {
        uint256 amount;
        uint64 readyAt;
    }

    uint8 public constant GROTH16 = 1;
    uint8 public constant PLONK = 2;
    uint8 public constant FFLONK = 3;
    uint256 private constant BPS = 10_000;
    uint256 private constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    bytes32 public constant TASK_TYPEHASH =
        keccak256(
            "Task(address requester,uint8 proofSystem,bytes32 circuitId,bytes32 inputHash,bytes32 publicSignalsHash,uint256 maxReward,uint256 penalty,uint64 bidDeadline,uint64 revealDeadline,uint32 proofWindow,uint8 maxRounds,uint64 stakeEpoch,uint64 nonce)"
        );
    bytes32 public constant ASSIGNMENT_TYPEHASH =
        keccak256("Assignment(bytes32 taskId,uint32 round,address prover,uint256 price)");
    bytes32 public constant COMPLETION_TYPEHASH =
        keccak256("Completion(bytes32 taskId,uint32 round,address prover,bytes32 proofHash)");
    bytes32 public constant DEFAULT_TYPEHASH = keccak256("Default(bytes32 taskId,uint32 round,address prover)");
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    // ------------------------------------------------------------------ state

    IStakeRegistry public immutable stakeRegistry;
    address public immutable treasury;
    /// Pool fee, in basis points of the assignment price.
    uint16 public immutable feeBps;
    /// Share of the pool fee that goes to the treasury (the rest goes to the insurance fund), basis points.
    uint16 public immutable treasuryShareBps;
    /// Accelerator royalty, basis points of the prover's share (after the pool fee).
    uint16 public immutable royaltyBps;
    /// Seconds between `requestWithdrawal` and the earliest `withdraw`.
    uint64 public immutable withdrawalDelay;
    uint256 private immutable _chainId;
    bytes32 private immutable _domainSeparator;

    address public owner;
    uint256 public insuranceFund;

    mapping(bytes32 => Circuit) private _circuits;
    mapping(bytes32 => TaskRecord) private _tasks;
    /// requester => nonce => taskId that used it
    mapping(address => mapping(uint64 => bytes32)) public nonceUsedBy;
    /// Free (unlocked) requester balance.
    mapping(address => uint256) public balanceOf;
    mapping(address => Withdrawal) public pendingWithdrawal;
    /// Payouts (prover share, royalty, treasury fee) claimable at once.
    mapping(address => uint256) public earnings;
    mapping(address => address) public royaltyRecipientOf;

    // ------------------------------------------------------------------ events

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event CircuitRegistered(bytes32 indexed circuitId, address verifier, uint8 proofSystem, uint32 nPublic);
    event Deposited(address indexed account, uint256 amount, uint256 balance);
    event WithdrawalRequested(address indexed account, uint256 amount, uint64 readyAt);
    event WithdrawalCancelled(address indexed account);
    event Withdrawn(address indexed account, uint256 amount);
    event EarningsClaimed(address indexed account, uint256 amount);
    event InsuranceFunded(address indexed from, uint256 amount, uint256 fund);
    event RoyaltyRecipientSet(address indexed operator, address recipient);
    event TaskOpened(bytes32 indexed taskId, address indexed requester, uint256 locked);
    event ProverAssigned(bytes32 indexed taskId, uint32 round, address indexed prover, uint256 price);
    event TaskSettled(
        bytes32 indexed taskId,
        uint32 round,
        address indexed prover,
        uint256 price,
        uint256 proverAmount,
        uint256 royaltyAmount,
        uint256 treasuryAmount,
        uint256 insuranceAmount,
        uint256 refund
    );
    event TaskDefaulted(bytes32 indexed taskId, uint32 round, address indexed prover, uint256 slashed);
    event TaskFailed(bytes32 indexed taskId, uint256 refund, uint256 penaltyFromSlash, uint256 penaltyFromInsurance);

    // ------------------------------------------------------------------ errors

    error OnlyOwner(address caller);
    error ZeroAmount();
    error ZeroAddress();
    error BadParameters();
    error UnexpectedEther(address from);
    error TransferFailed(address to, uint256 amount);
    error CircuitAlreadyRegistered(bytes32 circuitId);
    error UnsupportedProofSystem(uint8 proofSystem);
    error UnknownCircuit(bytes32 circuitId, uint8 proofSystem);
    error InsufficientBalance(uint256 available, uint256 requested);
    error NoPendingWithdrawal();
    error WithdrawalNotReady(uint64 readyAt, uint64 now_);
    error InsufficientFreeBalance(uint256 available, uint256 requested);
    error NothingToClaim();
    error InvalidTask();
    error SnapshotNotFinal(uint64 stakeEpoch, uint256 blockNumber);
    error InvalidRequesterSignature(address recovered, address requester);
    error InvalidSignature();
    error NonceAlreadyUsed(address requester, uint64 nonce, bytes32 usedBy);
    error AlreadySettled(bytes32 taskId);
    error TaskClosed(bytes32 taskId);
    error TaskNotOpen(bytes32 taskId);
    error WrongRound(uint32 expected, uint32 got);
    error WrongProver(address expected, address got);
    error AlreadyAssigned(bytes32 taskId, uint32 round, address prover);
    error PriceOutOfRange(uint256 price, uint256 maxReward);
    error DeadlinePassed(uint64 deadline, uint64 now_);
    error DeadlineNotReached(uint64 deadline, uint64 now_);
    error MalformedCertificate();
    error AttestersNotAscending(uint256 index);
    error InvalidAttesterSignature(uint256 index, address attester);
    error InsufficientQuorum(uint256 signedStake, uint256 totalStake);
    error PublicSignalsMismatch(bytes32 expected, bytes32 got);
    error MalformedProof(uint256 proofWords, uint256 publicSignals);
    error InvalidProof();

    // ------------------------------------------------------------------ setup

    constructor(
        IStakeRegistry stakeRegistry_,
        address treasury_,
        uint16 feeBps_,
        uint16 treasuryShareBps_,
        uint16 royaltyBps_,
        uint64 withdrawalDelay_
    ) {
        if (address(stakeRegistry_) == address(0) || treasury_ == address(0)) revert ZeroAddress();
        if (feeBps_ > BPS || treasuryShareBps_ > BPS || royaltyBps_ > BPS) revert BadParameters();
        stakeRegistry = stakeRegistry_;
        treasury = treasury_;
        feeBps = feeBps_;
        treasuryShareBps = treasuryShareBps_;
        royaltyBps = royaltyBps_;
        withdrawalDelay = withdrawalDelay_;
        owner = msg.sender;
        _chainId = block.chainid;
        _domainSeparator = _buildDomainSeparator();
        emit OwnershipTransferred(address(0), msg.sender);
    }

    /// Slashed stake arrives from the stake registry only.
    receive() external payable {
        if (msg.sender != address(stakeRegistry)) revert UnexpectedEther(msg.sender);
    }

    function transferOwnership(address newOwner) external {
        if (msg.sender != owner) revert OnlyOwner(msg.sender);
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// Binds a circuit id to its snarkjs-exported verifier (owner only, once per circuit id).
    function registerCircuit(bytes32 circuitId, address verifier, uint8 proofSystem, uint32 nPublic) external {
        if (msg.sender != owner) revert OnlyOwner(msg.sender);
        if (verifier == address(0)) revert ZeroAddress();
        if (_circuits[circuitId].verifier != address(0)) revert CircuitAlreadyRegistered(circuitId);
        bytes memory n = bytes(_itoa(proofSystem == FFLONK && nPublic == 0 ? 1 : nPublic));
        bytes memory sig;
        if (proofSystem == GROTH16) {
            sig = abi.encodePacked("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[", n, "])");
        } else if (proofSystem == PLONK) {
            sig = abi.encodePacked("verifyProof(uint256[24],uint256[", n, "])");
        } else if (proofSystem == FFLONK) {
            sig = abi.encodePacked("verifyProof(bytes32[24],uint256[", n, "])");
        } else {
            revert UnsupportedProofSystem(proofSystem);
        }
        _circuits[circuitId] = Circuit(verifier, proofSystem, nPublic, bytes4(keccak256(sig)));
        emit CircuitRegistered(circuitId, verifier, proofSystem, nPublic);
    }

    // ------------------------------------------------------------------ balances

    function deposit() external payable {
        if (msg.value == 0) revert ZeroAmount();
        uint256 b = balanceOf[msg.sender] + msg.value;
        balanceOf[msg.sender] = b;
        emit Deposited(msg.sender, msg.value, b);
    }

    /// Starts a delayed withdrawal (replacing any pending one). Nodes treat the amount as unavailable at once.
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 b = balanceOf[msg.sender];
        if (amount > b) revert InsufficientBalance(b, amount);
        uint64 readyAt = uint64(block.timestamp) + withdrawalDelay;
        pendingWithdrawal[msg.sender] = Withdrawal(amount, readyAt);
        emit WithdrawalRequested(msg.sender, amount, readyAt);
    }

    function cancelWithdrawal() external {
        if (pendingWithdrawal[msg.sender].amount == 0) revert NoPendingWithdrawal();
        delete pendingWithdrawal[msg.sender];
        emit WithdrawalCancelled(msg.sender);
    }

    /// Completes the pending withdrawal; refused if tasks locked part of the balance in the meantime.
    function withdraw() external {
        Withdrawal memory w = pendingWithdrawal[msg.sender];
        if (w.amount == 0) revert NoPendingWithdrawal();
        if (block.timestamp < w.readyAt) revert WithdrawalNotReady(w.readyAt, uint64(block.timestamp));
        uint256 b = balanceOf[msg.sender];
        if (w.amount > b) revert InsufficientFreeBalance(b, w.amount);
        balanceOf[msg.sender] = b - w.amount;
        delete pendingWithdrawal[msg.sender];
        emit Withdrawn(msg.sender, w.amount);
        _send(msg.sender, w.amount);
    }

    function claim() external {
        uint256 e = earnings[msg.sender];
        if (e == 0) revert NothingToClaim();
        earnings[msg.sender] = 0;
        emit EarningsClaimed(msg.sender, e);
        _send(msg.sender, e);
    }

    function fundInsurance() external payable {
        if (msg.value == 0) revert ZeroAmount();
        insuranceFund += msg.value;
        emit InsuranceFunded(msg.sender, msg.value, insuranceFund);
    }

    function setRoyaltyRecipient(address recipient) external {
        royaltyRecipientOf[msg.sender] = recipient;
        emit RoyaltyRecipientSet(msg.sender, recipient);
    }

    // ------------------------------------------------------------------ task lifecycle

    /// Locks the task's funds without posting an assignment (anyone may call; idempotent while open).
    function open(Task calldata task, bytes calldata signature) external returns (bytes32 id) {
        id = taskId(task);
        _touch(id, task, signature);
    }

    /// Posts the current round's assignment certificate: locks funds if needed and places a hold on the prover's
    /// stake, so it cannot withdraw until the round is settled or defaulted.
    function assign(
        Task calldata task,
        bytes calldata signature,
        Assignment calldata a,
        Certificate calldata cert
    ) external {
        bytes32 id = taskId(task);
        TaskRecord storage rec = _touch(id, task, signature);
        if (a.round != rec.round) revert WrongRound(rec.round, a.round);
        if (rec.prover != address(0)) revert AlreadyAssigned(id, a.round, rec.prover);
        if (a.price == 0 || a.price > task.maxReward) revert PriceOutOfRange(a.price, task.maxReward);
        _verifyCertificate(_assignmentDigest(id, a.round, a.prover, a.price), cert, task.stakeEpoch);
        rec.prover = a.prover;
        stakeRegistry.placeHold(a.prover);
        emit ProverAssigned(id, a.round, a.prover, a.price);
    }

    /// Pays for a proven task: checks the requester's signature, the assignment certificate against the
    /// checkpointed stake, the deadline, the public signals and the proof; then splits `price` between prover,
    /// royalty, treasury and insurance fund and returns `maxReward - price` to the requester.
    function settle(
        Task calldata task,
        bytes calldata signature,
        Assignment calldata a,
        Certificate calldata cert,
        uint256[] calldata proof,
        uint256[] calldata publicSignals
    ) external {
        bytes32 id = taskId(task);
        TaskRecord storage rec = _touch(id, task, signature);
        if (a.round != rec.round) revert WrongRound(rec.round, a.round);
        if (rec.prover != address(0) && rec.prover != a.prover) revert WrongProver(rec.prover, a.prover);
        uint64 deadline = _proofDeadline(task, a.round);
        if (block.timestamp > deadline) revert DeadlinePassed(deadline, uint64(block.timestamp));
        if (a.price == 0 || a.price > task.maxReward) revert PriceOutOfRange(a.price, task.maxReward);
        bytes32 sh = keccak256(abi.encodePacked(publicSignals));
        if (sh != task.publicSignalsHash) revert PublicSignalsMismatch(task.publicSignalsHash, sh);
        _verifyCertificate(_assignmentDigest(id, a.round, a.prover, a.price), cert, task.stakeEpoch);
        _verifyProof(task.circuitId, task.proofSystem, proof, publicSignals);
        _payout(id, rec, a.round, a.prover, a.price);
    }

    /// Certified default evidence for the current round (after its proof deadline): slashes the prover by
    /// `penalty` (capped at its stake) and moves the task to the next round; after the last round the task fails.
    function reportDefault(
        Task calldata task,
        bytes calldata signature,
        uint32 round,
        address prover,
        Certificate calldata cert
    ) external {
        bytes32 id = taskId(task);
        TaskRecord storage rec = _touch(id, task, signature);
        if (round != rec.round) revert WrongRound(rec.round, round);
        if (rec.prover != address(0) && rec.prover != prover) revert WrongProver(rec.prover, prover);
        uint64 deadline = _proofDeadline(task, round);
        if (block.timestamp <= deadline) revert DeadlineNotReached(deadline, uint64(block.timestamp));
        _verifyCertificate(
            keccak256(abi.encodePacked("\x19\x01", _domainSeparator, keccak256(abi.encode(DEFAULT_TYPEHASH, id, round, prover)))),
            cert,
            task.stakeEpoch
        );
        if (rec.prover != address(0)) {
            rec.prover = address(0);
            stakeRegistry.releaseHold(prover);
        }
        uint256 taken = task.penalty == 0 ? 0 : stakeRegistry.slash(prover, task.penalty, id);
        rec.slashed += taken;
        rec.defaults += 1;
        rec.round = round + 1;
        emit TaskDefaulted(id, round, prover, taken);
        if (round + 1 >= task.maxRounds) _fail(id, rec, task.penalty);
    }

    /// After the final deadline an open, unsettled task fails: the requester gets its locked funds back and,
    /// if at least one prover defaulted, the penalty (from slashed stake first, then the insurance fund).
    function expire(Task calldata task) external {
        bytes32 id = taskId(task);
        TaskRecord storage rec = _tasks[id];
        if (rec.status == Status.Settled) revert AlreadySettled(id);
        if (rec.status != Status.Open) revert TaskNotOpen(id);
        uint64 finalDeadline = _proofDeadline(task, uint32(task.maxRounds) - 1);
        if (block.timestamp <= finalDeadline) revert DeadlineNotReached(finalDeadline, uint64(block.timestamp));
        if (rec.prover != address(0)) {
            address p = rec.prover;
            rec.prover = address(0);
            stakeRegistry.releaseHold(p);
        }
        _fail(id, rec, task.penalty);
    }

    // ------------------------------------------------------------------ views

    function taskId(Task calldata task) public view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator, keccak256(abi.encode(TASK_TYPEHASH, task))));
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparator;
    }

    function assignmentDigest(bytes32 id, uint32 round, address prover, uint256 price) external view returns (bytes32) {
        return _assignmentDigest(id, round, prover, price);
    }

    function taskRecord(bytes32 id) external view returns (TaskRecord memory) {
        return _tasks[id];
    }

    function circuit(bytes32 circuitId) external view returns (Circuit memory) {
        return _circuits[circuitId];
    }

    // ------------------------------------------------------------------ internals

    function _buildDomainSeparator() private view returns (bytes32) {
        return
            keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("ZKPool"), keccak256("1"), block.chainid, address(this)));
    }

    function _assignmentDigest(bytes32 id, uint32 round, address prover, uint256 price) private view returns (bytes32) {
        return
            keccak256(
                abi.encodePacked(
                    "\x19\x01",
                    _domainSeparator,
                    keccak256(abi.encode(ASSIGNMENT_TYPEHASH, id, round, prover, price))
                )
            );
    }

    function _proofDeadline(Task calldata task, uint32 round) private pure returns (uint64) {
        return task.revealDeadline + (uint64(round) + 1) * uint64(task.proofWindow);
    }

    /// Opens the task on first touch (checks signature, nonce, snapshot; locks maxReward); refuses closed tasks.
    function _touch(bytes32 id, Task calldata task, bytes calldata signature) private returns (TaskRecord storage rec) {
        rec = _tasks[id];
        Status s = rec.status;
        if (s == Status.Open) return rec;
        if (s == Status.Settled) revert AlreadySettled(id);
        if (s == Status.Failed) revert TaskClosed(id);
        if (
            task.maxRounds == 0 ||
            task.proofWindow == 0 ||
            task.maxReward == 0 ||
            task.revealDeadline < task.bidDeadline ||
            task.requester == address(0) ||
            uint256(task.revealDeadline) + uint256(task.maxRounds) * task.proofWindow > type(uint64).max
        ) revert InvalidTask();
        if (block.chainid != _chainId) revert InvalidTask();
        if (task.stakeEpoch >= block.number) revert SnapshotNotFinal(task.stakeEpoch, block.number);
        address signer = _recover(id, signature);
        if (signer != task.requester) revert InvalidRequesterSignature(signer, task.requester);
        bytes32 used = nonceUsedBy[task.requester][task.nonce];
        if (used != bytes32(0)) revert NonceAlreadyUsed(task.requester, task.nonce, used);
        nonceUsedBy[task.requester][task.nonce] = id;
        uint256 b = balanceOf[task.requester];
        if (b < task.maxReward) revert InsufficientBalance(b, task.maxReward);
        balanceOf[task.requester] = b - task.maxReward;
        rec.status = Status.Open;
        rec.requester = task.requester;
        rec.locked = task.maxReward;
        emit TaskOpened(id, task.requester, task.maxReward);
    }

    struct Split {
        uint256 refund;
        uint256 toProver;
        uint256 royalty;
        uint256 toTreasury;
        uint256 toInsurance;
        address royaltyTo;
    }

    function _split(uint256 locked, address prover, uint256 price) private view returns (Split memory p) {
        p.refund = locked - price;
        uint256 fee = (price * feeBps) / BPS;
        p.toTreasury = (fee * treasuryShareBps) / BPS;
        p.toInsurance = fee - p.toTreasury;
        uint256 share = price - fee;
        p.royaltyTo = royaltyRecipientOf[prover];
        p.royalty = p.royaltyTo == address(0) ? 0 : (share * royaltyBps) / BPS;
        p.toProver = share - p.royalty;
    }

    function _payout(bytes32 id, TaskRecord storage rec, uint32 round, address prover, uint256 price) private {
        Split memory p = _split(rec.locked, prover, price);
        rec.status = Status.Settled;
        rec.locked = 0;
        uint256 slashed = rec.slashed;
        rec.slashed = 0;
        if (rec.prover != address(0)) {
            rec.prover = address(0);
            stakeRegistry.releaseHold(prover);
        }
        balanceOf[rec.requester] += p.refund;
        earnings[prover] += p.toProver;
        if (p.royalty != 0) earnings[p.royaltyTo] += p.royalty;
        earnings[treasury] += p.toTreasury;
        // stake slashed in earlier defaulted rounds of a task that was finally proven goes to the insurance fund
        insuranceFund += p.toInsurance + slashed;
        emit TaskSettled(id, round, prover, price, p.toProver, p.royalty, p.toTreasury, p.toInsurance, p.refund);
    }

    function _fail(bytes32 id, TaskRecord storage rec, uint256 penalty) private {
        uint256 refund = rec.locked;
        uint256 slashed = rec.slashed;
        uint256 fromSlash = 0;
        uint256 fromInsurance = 0;
        if (rec.defaults != 0) {
            fromSlash = penalty < slashed ? penalty : slashed;
            uint256 missing = penalty - fromSlash;
            uint256 fund = insuranceFund;
            fromInsurance = missing < fund ? missing : fund;
        }
        rec.status = Status.Failed;
        rec.locked = 0;
        rec.slashed = 0;
        insuranceFund = insuranceFund - fromInsurance + (slashed - fromSlash);
        balanceOf[rec.requester] += refund + fromSlash + fromInsurance;
        emit TaskFailed(id, refund, fromSlash, fromInsurance);
    }

    function _verifyCertificate(bytes32 digest, Certificate calldata cert, uint64 snapshot) private view {
        uint256 n = cert.attesters.length;
        if (n == 0 || n != cert.signatures.length) revert MalformedCertificate();
        uint256 signedStake = 0;
        address prev = address(0);
        for (uint256 i = 0; i < n; ++i) {
            address a = cert.attesters[i];
            if (a <= prev) revert AttestersNotAscending(i);
            prev = a;
            if (_recover(digest, cert.signatures[i]) != a) revert InvalidAttesterSignature(i, a);
            signedStake += stakeRegistry.stakeAt(a, snapshot);
        }
        uint256 total = stakeRegistry.totalStakeAt(snapshot);
        if (total == 0 || 3 * signedStake < 2 * total) revert InsufficientQuorum(signedStake, total);
    }

    function _verifyProof(
        bytes32 circuitId,
        uint8 proofSystem,
        uint256[] calldata proof,
        uint256[] calldata publicSignals
    ) private view {
        Circuit memory c = _circuits[circuitId];
        if (c.verifier == address(0) || c.proofSystem != proofSystem) revert UnknownCircuit(circuitId, proofSystem);
        uint256 words = c.proofSystem == GROTH16 ? 8 : 24;
        uint256 nSignals = c.proofSystem == FFLONK && c.nPublic == 0 ? 1 : c.nPublic;
        if (proof.length != words || publicSignals.length != nSignals)
            revert MalformedProof(proof.length, publicSignals.length);
        (bool ok, bytes memory ret) = c.verifier.staticcall(abi.encodePacked(c.selector, proof, publicSignals));
        if (!ok || ret.length != 32 || abi.decode(ret, (uint256)) != 1) revert InvalidProof();
    }

    /// ecrecover over a 65-byte (r, s, v) signature, rejecting malleable (high-s) signatures.
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

    function _send(address to, uint256 amount) private {
        (bool ok, ) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }

    function _itoa(uint256 v) private pure returns (string memory) {
        if (v == 0) return "0";
        uint256 len = 0;
        for (uint256 t = v; t != 0; t /= 10) ++len;
        bytes memory b = new bytes(len);
        for (; v != 0; v /= 10) b[--len] = bytes1(uint8(48 + (v % 10)));
        return string(b);
    }
}
