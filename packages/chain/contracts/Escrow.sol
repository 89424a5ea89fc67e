// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

interface ICircuitRegistry {
    function verify(bytes32 circuitId, uint8 proofSystem, uint256[] calldata proof, uint256[] calldata publicSignals)
        external
        view
        returns (bool);
}

interface IStakeRegistry {
    function epochSeconds() external view returns (uint64);
    function minStake() external view returns (uint256);
    function unstakeDelay() external view returns (uint64);
    function stakeAt(address operator, uint64 epoch) external view returns (uint256);
    function totalStakeAt(uint64 epoch) external view returns (uint256);
    function slash(address operator, uint256 amount, bytes32 taskId) external returns (uint256);
}

/// @title ZKPool escrow (protocol v1): requester balances, settlement, defaults, reports, insurance
/// @notice Hashes exactly the EIP-712 structs of protocol/SPEC.md §0.3 and §9 under the domain
/// {name "ZKPool", version "1", chainId, verifyingContract: this}. The money rules are SPEC §9:
///
/// - A task is checked and its `cost = maxReward + premium` locked when the chain first sees it (`open`,
///   `settle`, `reportDefault`, `reportNonReveal`, `reportInvalid`). Its stake epoch must be final and recent
///   (`StaleEpoch`, `EpochNotFinal`) and its lifetime bounded (`LifetimeTooLong`), so a historical quorum cannot
///   certify anything (§9.1). Task ids, not nonces, are unique.
/// - Certificates need 2/3 of the stake at the task's epoch; an assignment must name an eligible prover (stake at
///   the epoch >= collateral) (§9.3). A default slashes only with the round's Assignment certificate (§9.3).
/// - Any round at or after the on-chain round settles; a slow settlement within `settleGrace` of its round's
///   deadline needs the Completion certificate (§9.5).
/// - Price schedule and re-auction (§10.3): a task may carry a ramp `(startPrice, priceStep, rebidWindow)` of
///   `R <= 16` auction rounds (`BadSchedule`); all three 0 is the fixed price, `R = 1`. Certificates name a global
///   round `g = a·maxRounds + k` (auction round `a`, proof round `k`); an assignment's price is at most auction round
///   `a`'s reserve. The final deadline is the worst case (every auction round re-opened).
/// - Premiums feed the insurance fund; a failed task's penalty comes from the defaulter first, then from the fund,
///   at most `coverageBps` of it per task (§9.6).
/// - Invalid-task, non-reveal and equivocation reports (§9.7-9.9).
/// - Requester withdrawals and operator unstaking wait at least the horizon H (§9.2, §9.4).
///
/// Accelerator royalty: each operator declares on chain (`setRoyaltyRecipient`) the author of the accelerator
/// module it runs; settlement pays `royaltyBps` of the prover's share to that address.
///
/// Attesters earn (SPEC §9.13): settlement pays `attesterShareBps` of the pool fee to the signers of the settlement's
/// Assignment certificate, pro rata to their stake at the task's epoch; the rounding remainder goes to the fund.
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
        /// Price schedule (SPEC §10.3): all three 0 for a fixed price (one auction round at `maxReward`); else auction
        /// round `a` has reserve `min(maxReward, startPrice + a·priceStep)`, and round `a + 1` takes bids for
        /// `rebidWindow` seconds after round `a`'s reveal deadline (period `rebidWindow + revealDeadline -
        /// bidDeadline`).
        uint256 startPrice;
        uint256 priceStep;
        uint32 rebidWindow;
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

    /// One attester vote, for equivocation evidence (SPEC §9.9). `kind` as in zkpool.proto's VoteKind:
    /// 1 Assignment, 2 Completion, 3 Default, 4 Invalid (round 0; prover, price, proofHash unused).
    struct Vote {
        uint8 kind;
        bytes32 taskId;
        uint32 round;
        address prover;
        uint256 price;
        bytes32 proofHash;
    }

    enum Status {
        None,
        Open,
        Settled,
        Failed,
        Invalid
    }

    struct TaskRecord {
        Status status;
        /// Lowest round that may still settle or default.
        uint32 round;
        uint32 defaults;
        /// `cost` was locked when the task opened (false for a task expired unseen).
        bool funded;
        /// A failed task's penalty has been paid to the requester.
        bool penaltyPaid;
        address requester;
        uint256 locked;
        /// Slashed for defaults and not yet passed on.
        uint256 slashed;
    }

    /// Deployment parameters (SPEC §9.1 and the pool fee split), fixed at deployment.
    struct Parameters {
        address treasury;
        uint16 feeBps;
        uint16 treasuryShareBps;
        uint16 royaltyBps;
        uint16 premiumBps;
        uint16 coverageBps;
        uint64 maxSnapshotAge;
        uint64 maxTaskLifetime;
        uint64 settleGrace;
        uint64 reportWindow;
        uint64 withdrawalDelay;
        /// Share of the pool fee paid to the Assignment certificate's signers (SPEC §9.13), basis points.
        uint16 attesterShareBps;
    }

    struct Withdrawal {
        uint256 amount;
        uint64 readyAt;
    }

    uint8 private constant VOTE_ASSIGNMENT = 1;
    uint8 private constant VOTE_COMPLETION = 2;
    uint8 private constant VOTE_DEFAULT = 3;
    uint8 private constant VOTE_INVALID = 4;
    uint256 private constant BPS = 10_000;
    /// Most auction rounds of a price schedule (SPEC §10.3 `MAX_AUCTION_ROUNDS`).
    uint256 private constant MAX_AUCTION_ROUNDS = 16;
    /// Longest `rebidWindow` of a price schedule, seconds.
    uint256 private constant MAX_REBID_WINDOW = 86_400;
    uint256 private constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    bytes32 public constant TASK_TYPEHASH =
        keccak256(
            "Task(address requester,uint8 proofSystem,bytes32 circuitId,bytes32 inputHash,bytes32 publicSignalsHash,uint256 maxReward,uint256 penalty,uint64 bidDeadline,uint64 revealDeadline,uint32 proofWindow,uint8 maxRounds,uint64 stakeEpoch,uint64 nonce,uint256 startPrice,uint256 priceStep,uint32 rebidWindow)"
        );
    bytes32 public constant ASSIGNMENT_TYPEHASH =
        keccak256("Assignment(bytes32 taskId,uint32 round,address prover,uint256 price)");
    bytes32 public constant COMPLETION_TYPEHASH =
        keccak256("Completion(bytes32 taskId,uint32 round,address prover,bytes32 proofHash)");
    bytes32 public constant DEFAULT_TYPEHASH = keccak256("Default(bytes32 taskId,uint32 round,address prover)");
    bytes32 public constant INVALID_TYPEHASH = keccak256("Invalid(bytes32 taskId)");
    bytes32 public constant NON_REVEAL_TYPEHASH =
        keccak256("NonReveal(bytes32 taskId,address prover,bytes32 commitment)");
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    // ------------------------------------------------------------------ state

    IStakeRegistry public immutable stakeRegistry;
    /// The permissionless circuit registry that checks proofs (SPEC §9.12).
    ICircuitRegistry public immutable circuits;
    address public immutable treasury;
    /// Pool fee, in basis points of the assignment price.
    uint16 public immutable feeBps;
    /// Share of the pool fee, after the attesters' share, that goes to the treasury (the rest goes to the insurance
    /// fund), basis points.
    uint16 public immutable treasuryShareBps;
    /// Share of the pool fee paid to the signers of the settlement's Assignment certificate, pro rata to their stake
    /// at the task's epoch (SPEC §9.13), basis points.
    uint16 public immutable attesterShareBps;
    /// Accelerator royalty, basis points of the prover's share (after the pool fee).
    uint16 public immutable royaltyBps;
    /// Insurance premium per task, basis points of its penalty.
    uint16 public immutable premiumBps;
    /// Most the insurance fund pays for one task, basis points of the fund.
    uint16 public immutable coverageBps;
    /// Copied from the stake registry: length of a stake epoch, seconds.
    uint64 public immutable epochSeconds;
    /// Copied from the stake registry: least stake of an operator.
    uint256 public immutable minStake;
    /// `bidDeadline - epochStart(stakeEpoch)` at most.
    uint64 public immutable maxSnapshotAge;
    /// `finalDeadline - bidDeadline` at most.
    uint64 public immutable maxTaskLifetime;
    /// A settlement is accepted this long after its round's deadline, with the Completion certificate.
    uint64 public immutable settleGrace;
    /// Defaults, non-reveals and invalid-task reports are accepted until `finalDeadline + reportWindow`.
    uint64 public immutable reportWindow;
    /// Seconds between `requestWithdrawal` and the earliest `withdraw`.
    uint64 public immutable withdrawalDelay;
    uint256 private immutable _chainId;
    bytes32 private immutable _domainSeparator;

    uint256 public insuranceFund;

    mapping(bytes32 => TaskRecord) private _tasks;
    /// Free (unlocked) requester balance.
    mapping(address => uint256) public balanceOf;
    mapping(address => Withdrawal) public pendingWithdrawal;
    /// Payouts (prover share, royalty, treasury fee, attester shares) claimable at once.
    mapping(address => uint256) public earnings;
    mapping(address => address) public royaltyRecipientOf;
    /// taskId => prover => its non-reveal was slashed.
    mapping(bytes32 => mapping(address => bool)) public nonRevealReported;
    /// keccak256(attester, taskId, round, slot) => its equivocation was slashed.
    mapping(bytes32 => bool) public equivocationReported;

    // ------------------------------------------------------------------ events

    event Deposited(address indexed account, uint256 amount, uint256 balance);
    event WithdrawalRequested(address indexed account, uint256 amount, uint64 readyAt);
    event WithdrawalCancelled(address indexed account);
    event Withdrawn(address indexed account, uint256 amount);
    event EarningsClaimed(address indexed account, uint256 amount);
    event InsuranceFunded(address indexed from, uint256 amount, uint256 fund);
    event RoyaltyRecipientSet(address indexed operator, address recipient);
    event TaskOpened(bytes32 indexed taskId, address indexed requester, uint256 locked);
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
    /// The attesters' share of a settlement's fee: `total` credited to the `signers` of its Assignment certificate
    /// (pro rata to stake at the task's epoch; the rounding remainder went to the fund, counted in TaskSettled's
    /// `insuranceAmount`).
    event AttestersPaid(bytes32 indexed taskId, uint256 total, uint256 signers);
    event TaskDefaulted(bytes32 indexed taskId, uint32 round, address indexed prover, uint256 slashed);
    event TaskFailed(bytes32 indexed taskId, uint256 refund, uint256 premium);
    event PenaltyPaid(bytes32 indexed taskId, address indexed requester, uint256 fromSlash, uint256 fromInsurance);
    event TaskInvalidated(bytes32 indexed taskId, uint256 refund, uint256 premium);
    event NonRevealSlashed(bytes32 indexed taskId, address indexed prover, uint256 slashed);
    event EquivocationSlashed(address indexed attester, bytes32 indexed taskId, uint32 round, uint256 slashed);

    // ------------------------------------------------------------------ errors

    error ZeroAmount();
    error ZeroAddress();
    error BadParameters(string field);
    error UnexpectedEther(address from);
    error TransferFailed(address to, uint256 amount);
    /// Raised by the circuit registry; declared here so callers can decode it from Escrow's ABI.
    error UnknownCircuit(bytes32 circuitId, uint8 proofSystem);
    error InsufficientBalance(uint256 available, uint256 requested);
    error NoPendingWithdrawal();
    error WithdrawalNotReady(uint64 readyAt, uint64 now_);
    error InsufficientFreeBalance(uint256 available, uint256 requested);
    error NothingToClaim();
    error InvalidTask();
    /// The task's price schedule is neither fixed (all zero) nor a valid ramp (SPEC §10.3).
    error BadSchedule();
    error EpochNotFinal(uint64 stakeEpoch, uint256 epochStart);
    error StaleEpoch(uint64 stakeEpoch, uint64 bidDeadline);
    error LifetimeTooLong(uint256 lifetime, uint64 maxTaskLifetime);
    error InvalidRequesterSignature(address recovered, address requester);
    error InvalidSignature();
    error AlreadySettled(bytes32 taskId);
    error TaskClosed(bytes32 taskId);
    error TaskNotOpen(bytes32 taskId);
    error WrongRound(uint32 lowest, uint32 got);
    error PriceOutOfRange(uint256 price, uint256 reserve);
    error ProverNotEligible(address prover, uint256 stake, uint256 collateral);
    error DeadlinePassed(uint64 deadline, uint64 now_);
    error DeadlineNotReached(uint64 deadline, uint64 now_);
    error ReportWindowClosed(uint64 closedAt, uint64 now_);
    error AlreadyDefaulted(bytes32 taskId);
    error AlreadyReported();
    error NotEquivocation();
    error InvalidVote(uint8 kind);
    error MalformedCertificate();
    error AttestersNotAscending(uint256 index);
    error InvalidAttesterSignature(uint256 index, address attester);
    error InsufficientQuorum(uint256 signedStake, uint256 totalStake);
    error PublicSignalsMismatch(bytes32 expected, bytes32 got);
    /// Raised by the universal verifiers; declared here so callers can decode it from Escrow's ABI.
    error MalformedProof(uint256 proofWords, uint256 publicSignals);
    error InvalidProof();

    // ------------------------------------------------------------------ setup

    /// Refuses `withdrawalDelay < H`, `stakeRegistry.unstakeDelay() < H` and `reportWindow < settleGrace`, with
    /// `H = maxSnapshotAge + maxTaskLifetime + reportWindow` (SPEC §9.1).
    constructor(IStakeRegistry stakeRegistry_, ICircuitRegistry circuits_, Parameters memory p) {
        if (address(stakeRegistry_) == address(0) || address(circuits_) == address(0) || p.treasury == address(0))
            revert ZeroAddress();
        if (p.feeBps > BPS) revert BadParameters("feeBps");
        if (p.treasuryShareBps > BPS) revert BadParameters("treasuryShareBps");
        if (p.attesterShareBps > BPS) revert BadParameters("attesterShareBps");
        if (p.royaltyBps > BPS) revert BadParameters("royaltyBps");
        if (p.premiumBps > BPS) revert BadParameters("premiumBps");
        if (p.coverageBps > BPS) revert BadParameters("coverageBps");
        if (p.reportWindow < p.settleGrace) revert BadParameters("reportWindow");
        uint256 h = uint256(p.maxSnapshotAge) + p.maxTaskLifetime + p.reportWindow;
        if (p.withdrawalDelay < h) revert BadParameters("withdrawalDelay");
        if (stakeRegistry_.unstakeDelay() < h) revert BadParameters("unstakeDelay");
        stakeRegistry = stakeRegistry_;
        circuits = circuits_;
        treasury = p.treasury;
        feeBps = p.feeBps;
        treasuryShareBps = p.treasuryShareBps;
        attesterShareBps = p.attesterShareBps;
        royaltyBps = p.royaltyBps;
        premiumBps = p.premiumBps;
        coverageBps = p.coverageBps;
        maxSnapshotAge = p.maxSnapshotAge;
        maxTaskLifetime = p.maxTaskLifetime;
        settleGrace = p.settleGrace;
        reportWindow = p.reportWindow;
        withdrawalDelay = p.withdrawalDelay;
        epochSeconds = stakeRegistry_.epochSeconds();
        minStake = stakeRegistry_.minStake();
        _chainId = block.chainid;
        _domainSeparator = _buildDomainSeparator();
    }

    /// Slashed stake arrives from the stake registry only.
    receive() external payable {
        if (msg.sender != address(stakeRegistry)) revert UnexpectedEther(msg.sender);
    }

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

    /// Checks the task and locks its cost without anything else (anyone may call; idempotent while open). A
    /// requester's funds are then reserved on chain before proving.
    function open(Task calldata task, bytes calldata signature) external returns (bytes32 id) {
        id = taskId(task);
        _touch(id, task, signature);
    }

    /// Pays the prover of global round `a.round` (any round from the on-chain round on, below `R·maxRounds`; earlier
    /// rounds may have been void). Until the round's deadline `completionCert` may be empty; within `settleGrace`
    /// after it, it must be the round's Completion certificate for this proof. Splits `price` between prover, royalty, treasury,
    /// insurance fund and the signers of `assignmentCert` (pro rata to stake, SPEC §9.13), moves the premium to the
    /// fund and returns the rest of the locked cost to the requester.
    function settle(
        Task calldata task,
        bytes calldata signature,
        Assignment calldata a,
        Certificate calldata assignmentCert,
        uint256[] calldata proof,
        uint256[] calldata publicSignals,
        Certificate calldata completionCert
    ) external {
        bytes32 id = taskId(task);
        TaskRecord storage rec = _touch(id, task, signature);
        _checkRound(rec, task, a.round);
        {
            uint64 deadline = _roundDeadline(task, a.round);
            if (block.timestamp > deadline) {
                if (block.timestamp > uint256(deadline) + settleGrace)
                    revert DeadlinePassed(deadline + settleGrace, uint64(block.timestamp));
                _verifyCertificate(
                    _digest(keccak256(abi.encode(COMPLETION_TYPEHASH, id, a.round, a.prover, keccak256(abi.encodePacked(proof))))),
                    completionCert,
                    task.stakeEpoch
                );
            }
        }
        {
            bytes32 sh = keccak256(abi.encodePacked(publicSignals));
            if (sh != task.publicSignalsHash) revert PublicSignalsMismatch(task.publicSignalsHash, sh);
        }
        _settle(id, task, rec, a, assignmentCert, proof, publicSignals);
    }

    /// The Assignment certificate (keeping its signers' stakes), the proof, then the payout.
    function _settle(
        bytes32 id,
        Task calldata task,
        TaskRecord storage rec,
        Assignment calldata a,
        Certificate calldata assignmentCert,
        uint256[] calldata proof,
        uint256[] calldata publicSignals
    ) private {
        uint256[] memory stakes = _checkAssignment(id, task, a, assignmentCert, true);
        _verifyProof(task.circuitId, task.proofSystem, proof, publicSignals);
        _payout(id, task, rec, a, assignmentCert.attesters, stakes);
    }

    /// Certified default of round `a.round` after its deadline, until `finalDeadline + reportWindow`: needs the
    /// round's Assignment certificate (2/3 of the epoch's stake, an eligible prover) and its Default certificate
    /// for the same prover. Slashes `min(penalty, what the prover has)` and moves the task past that round; after
    /// the last proof round of its auction round (`g % maxRounds = maxRounds - 1`) the task fails (defaults do not
    /// re-auction). A default reported after the task expired still slashes, and pays the requester's penalty if it
    /// was not paid yet.
    function reportDefault(
        Task calldata task,
        bytes calldata signature,
        Assignment calldata a,
        Certificate calldata assignmentCert,
        Certificate calldata defaultCert
    ) external {
        bytes32 id = taskId(task);
        TaskRecord storage rec = _tasks[id];
        bool late = rec.status == Status.Failed;
        if (late) {
            if (!rec.funded) _checkTask(id, task, signature);
        } else {
            rec = _touch(id, task, signature);
        }
        _checkRound(rec, task, a.round);
        uint64 deadline = _roundDeadline(task, a.round);
        if (block.timestamp <= deadline) revert DeadlineNotReached(deadline, uint64(block.timestamp));
        _checkReportWindow(task);
        _checkAssignment(id, task, a, assignmentCert, false);
        _verifyCertificate(_digest(keccak256(abi.encode(DEFAULT_TYPEHASH, id, a.round, a.prover))), defaultCert, task.stakeEpoch);
        uint256 taken = task.penalty == 0 ? 0 : stakeRegistry.slash(a.prover, task.penalty, id);
        rec.slashed += taken;
        rec.defaults += 1;
        rec.round = a.round + 1;
        emit TaskDefaulted(id, a.round, a.prover, taken);
        if (late) _payPenalty(id, rec, task.penalty);
        else if ((a.round % task.maxRounds) + 1 >= task.maxRounds) _fail(id, task, rec);
    }

    /// Closes an unprovable task with its Invalid certificate (SPEC §9.7): no slash; the requester pays the
    /// premium and gets the rest of the locked cost back. Refused once any round has defaulted.
    function reportInvalid(Task calldata task, bytes calldata signature, Certificate calldata cert) external {
        bytes32 id = taskId(task);
        TaskRecord storage rec = _touch(id, task, signature);
        if (rec.defaults != 0) revert AlreadyDefaulted(id);
        _checkReportWindow(task);
        _verifyCertificate(_digest(keccak256(abi.encode(INVALID_TYPEHASH, id))), cert, task.stakeEpoch);
        uint256 premium = _premium(task.penalty);
        uint256 refund = rec.locked - premium;
        rec.status = Status.Invalid;
        rec.locked = 0;
        insuranceFund += premium;
        balanceOf[rec.requester] += refund;
        emit TaskInvalidated(id, refund, premium);
    }

    /// Slashes the bond (`maxReward`, at most what the prover has) of a committed bidder that did not reveal, to
    /// the insurance fund, once per (task, prover), with the NonReveal certificate (SPEC §9.8). Also on a task
    /// that has ended, until `finalDeadline + reportWindow`. Only an eligible prover (stake at the task's epoch
    /// >= collateral) can have made a valid commitment, so no other is slashed (`ProverNotEligible`, SPEC §9.3).
    function reportNonReveal(
        Task calldata task,
        bytes calldata signature,
        address prover,
        bytes32 commitment,
        Certificate calldata cert
    ) external {
        bytes32 id = taskId(task);
        TaskRecord storage rec = _tasks[id];
        if (rec.status == Status.None) _touch(id, task, signature);
        else if (!rec.funded) _checkTask(id, task, signature);
        if (block.timestamp <= task.revealDeadline) revert DeadlineNotReached(task.revealDeadline, uint64(block.timestamp));
        _checkReportWindow(task);
        if (nonRevealReported[id][prover]) revert AlreadyReported();
        uint256 need = collateral(task.maxReward, task.penalty);
        uint256 has = stakeRegistry.stakeAt(prover, task.stakeEpoch);
        if (has < need) revert ProverNotEligible(prover, has, need);
        _verifyCertificate(_digest(keccak256(abi.encode(NON_REVEAL_TYPEHASH, id, prover, commitment))), cert, task.stakeEpoch);
        nonRevealReported[id][prover] = true;
        uint256 taken = stakeRegistry.slash(prover, task.maxReward, id);
        insuranceFund += taken;
        emit NonRevealSlashed(id, prover, taken);
    }

    /// Two votes of one attester in the same slot of the same (taskId, round) with different contents (SPEC
    /// §9.9): slashes the attester's whole stake, active and unbonding, to the insurance fund, once per
    /// (attester, taskId, round, slot).
    function reportEquivocation(
        Vote calldata voteA,
        bytes calldata signatureA,
        Vote calldata voteB,
        bytes calldata signatureB
    ) external {
        if (voteA.taskId != voteB.taskId || voteA.round != voteB.round) revert NotEquivocation();
        uint8 slot = _slot(voteA);
        if (slot != _slot(voteB)) revert NotEquivocation();
        bytes32 da = _voteDigest(voteA);
        bytes32 db = _voteDigest(voteB);
        if (da == db) revert NotEquivocation();
        address attester = _recover(da, signatureA);
        if (_recover(db, signatureB) != attester) revert NotEquivocation();
        bytes32 key = keccak256(abi.encode(attester, voteA.taskId, voteA.round, slot));
        if (equivocationReported[key]) revert AlreadyReported();
        equivocationReported[key] = true;
        uint256 taken = stakeRegistry.slash(attester, type(uint256).max, voteA.taskId);
        insuranceFund += taken;
        emit EquivocationSlashed(attester, voteA.taskId, voteA.round, taken);
    }

    /// After `finalDeadline + settleGrace` an open task fails: the requester pays the premium and gets the rest
    /// of its locked cost back and, if a prover defaulted, the penalty (from slashed stake first, then the
    /// insurance fund). A task the chain never saw is only marked closed.
    function expire(Task calldata task) external {
        if (task.maxRounds == 0) revert InvalidTask();
        bytes32 id = taskId(task);
        TaskRecord storage rec = _tasks[id];
        uint64 closesAt = _finalDeadline(task) + settleGrace;
        if (block.timestamp <= closesAt) revert DeadlineNotReached(closesAt, uint64(block.timestamp));
        Status s = rec.status;
        if (s == Status.None) {
            rec.status = Status.Failed;
            rec.requester = task.requester;
            emit TaskFailed(id, 0, 0);
            return;
        }
        if (s == Status.Settled) revert AlreadySettled(id);
        if (s != Status.Open) revert TaskNotOpen(id);
        _fail(id, task, rec);
    }

    // ------------------------------------------------------------------ views

    function taskId(Task calldata task) public view returns (bytes32) {
        return _digest(keccak256(abi.encode(TASK_TYPEHASH, task)));
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparator;
    }

    function taskRecord(bytes32 id) external view returns (TaskRecord memory) {
        return _tasks[id];
    }

    /// `collateral(task) = max(minStake, penalty, maxReward)` (SPEC §9.3).
    function collateral(uint256 maxReward, uint256 penalty) public view returns (uint256 c) {
        c = minStake;
        if (penalty > c) c = penalty;
        if (maxReward > c) c = maxReward;
    }

    /// `cost(task) = maxReward + premium(task)` (SPEC §9.4).
    function cost(uint256 maxReward, uint256 penalty) public view returns (uint256) {
        return maxReward + _premium(penalty);
    }

    /// Every deployment parameter in one call (the stake registry's epoch length and least stake included).
    function parameters()
        external
        view
        returns (Parameters memory p, uint64 epochSeconds_, uint256 minStake_, uint64 unstakeDelay_)
    {
        p = Parameters(
            treasury,
            feeBps,
            treasuryShareBps,
            royaltyBps,
            premiumBps,
            coverageBps,
            maxSnapshotAge,
            maxTaskLifetime,
            settleGrace,
            reportWindow,
            withdrawalDelay,
            attesterShareBps
        );
        return (p, epochSeconds, minStake, stakeRegistry.unstakeDelay());
    }

    // ------------------------------------------------------------------ internals

    function _buildDomainSeparator() private view returns (bytes32) {
        return
            keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("ZKPool"), keccak256("1"), block.chainid, address(this)));
    }

    function _digest(bytes32 structHash) private view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator, structHash));
    }

    function _premium(uint256 penalty) private view returns (uint256) {
        return (penalty * premiumBps) / BPS;
    }

    /// Number of auction rounds `R` of the task's price schedule (SPEC §10.3): 1 for a fixed price (startPrice,
    /// priceStep and rebidWindow all 0), else `1 + ceil((maxReward - startPrice) / priceStep)`, valid only with
    /// `0 < startPrice < maxReward`, `priceStep > 0`, `1 <= rebidWindow <= 86400` and `R <= 16` (`BadSchedule`).
    function _auctionRounds(Task calldata task) private pure returns (uint256) {
        uint256 start = task.startPrice;
        uint256 step = task.priceStep;
        uint256 window = task.rebidWindow;
        if (start == 0) {
            if ((step | window) != 0) revert BadSchedule();
            return 1;
        }
        if (start >= task.maxReward || step == 0 || window == 0 || window > MAX_REBID_WINDOW) revert BadSchedule();
        // 1 + ceil(d / step) for d = maxReward - startPrice > 0, without overflow
        uint256 r = 2 + (task.maxReward - start - 1) / step;
        if (r > MAX_AUCTION_ROUNDS) revert BadSchedule();
        return r;
    }

    /// Reserve price of auction round `a < R`: `min(maxReward, startPrice + a·priceStep)` (`maxReward` for a fixed
    /// price). Below the last round `startPrice + a·priceStep < maxReward`, so the sum cannot overflow.
    function _reserve(Task calldata task, uint256 a) private pure returns (uint256) {
        uint256 start = task.startPrice;
        if (start == 0 || a + 1 >= _auctionRounds(task)) return task.maxReward;
        return start + a * task.priceStep;
    }

    /// Deadline of global round `g = a·maxRounds + k` (auction round `a`, proof round `k`):
    /// `revealDeadline + a·P + (k + 1)·proofWindow` with `P = rebidWindow + (revealDeadline - bidDeadline)` (SPEC
    /// §10.3). With a fixed price `a = 0`: v1's `revealDeadline + (round + 1)·proofWindow`. A checked task's
    /// deadlines fit uint64 (`_checkTask`); `InvalidTask` otherwise (only `expire` sees unchecked tasks).
    function _roundDeadline(Task calldata task, uint32 g) private pure returns (uint64) {
        uint256 m = task.maxRounds;
        uint256 d = uint256(task.revealDeadline) + (g % m + 1) * task.proofWindow;
        if (g >= m) d += (g / m) * (uint256(task.rebidWindow) + (task.revealDeadline - task.bidDeadline));
        if (d > type(uint64).max) revert InvalidTask();
        return uint64(d);
    }

    /// The deadline of the last proof round of the last auction round: the worst case, every auction round re-opened.
    function _finalDeadline(Task calldata task) private pure returns (uint64) {
        return _roundDeadline(task, uint32(_auctionRounds(task) * task.maxRounds - 1));
    }

    /// `rec.round <= g < R·maxRounds`.
    function _checkRound(TaskRecord storage rec, Task calldata task, uint32 g) private view {
        if (g < rec.round || g >= _auctionRounds(task) * task.maxRounds) revert WrongRound(rec.round, g);
    }

    function _checkReportWindow(Task calldata task) private view {
        uint64 closesAt = _finalDeadline(task) + reportWindow;
        if (block.timestamp > closesAt) revert ReportWindowClosed(closesAt, uint64(block.timestamp));
    }

    /// Price in (0, reserve of the round's auction round] (`maxReward` for a fixed price), the prover eligible at the
    /// task's epoch, and the certificate's quorum. With `keep`, returns each signer's stake at the epoch and, last,
    /// the signed stake (see `_checkCertificate`). The round is already checked (`_checkRound`).
    function _checkAssignment(
        bytes32 id,
        Task calldata task,
        Assignment calldata a,
        Certificate calldata cert,
        bool keep
    ) private view returns (uint256[] memory stakes) {
        {
            uint256 reserve = _reserve(task, a.round / task.maxRounds);
            if (a.price == 0 || a.price > reserve) revert PriceOutOfRange(a.price, reserve);
        }
        uint256 need = collateral(task.maxReward, task.penalty);
        uint256 has = stakeRegistry.stakeAt(a.prover, task.stakeEpoch);
        if (has < need) revert ProverNotEligible(a.prover, has, need);
        stakes = _checkCertificate(
            _digest(keccak256(abi.encode(ASSIGNMENT_TYPEHASH, id, a.round, a.prover, a.price))),
            cert,
            task.stakeEpoch,
            keep
        );
    }

    /// The static task rules, the price schedule (SPEC §10.3), the v1 epoch and lifetime rules (SPEC §9.1; the
    /// lifetime to the worst-case final deadline) and the requester's signature.
    function _checkTask(bytes32 id, Task calldata task, bytes calldata signature) private view {
        if (
            task.maxRounds == 0 ||
            task.proofWindow == 0 ||
            task.maxReward == 0 ||
            task.revealDeadline < task.bidDeadline ||
            task.requester == address(0)
        ) revert InvalidTask();
        // the worst-case final deadline `revealDeadline + (R - 1)·P + maxRounds·proofWindow` (= _finalDeadline),
        // in 256 bits: every round deadline of the task then fits uint64
        uint256 last = uint256(task.revealDeadline) + uint256(task.maxRounds) * task.proofWindow;
        {
            uint256 r = _auctionRounds(task);
            if (r > 1) last += (r - 1) * (uint256(task.rebidWindow) + (task.revealDeadline - task.bidDeadline));
        }
        if (last > type(uint64).max) revert InvalidTask();
        if (block.chainid != _chainId) revert InvalidTask();
        uint256 start = uint256(task.stakeEpoch) * epochSeconds;
        if (start > block.timestamp) revert EpochNotFinal(task.stakeEpoch, start);
        if (start >= task.bidDeadline || task.bidDeadline > start + maxSnapshotAge)
            revert StaleEpoch(task.stakeEpoch, task.bidDeadline);
        uint256 lifetime = last - task.bidDeadline;
        if (lifetime > maxTaskLifetime) revert LifetimeTooLong(lifetime, maxTaskLifetime);
        address signer = _recover(id, signature);
        if (signer != task.requester) revert InvalidRequesterSignature(signer, task.requester);
    }

    /// Opens the task on first touch (checks it, locks its cost); returns the open record, refuses closed tasks.
    function _touch(bytes32 id, Task calldata task, bytes calldata signature) private returns (TaskRecord storage rec) {
        rec = _tasks[id];
        Status s = rec.status;
        if (s == Status.Open) return rec;
        if (s == Status.Settled) revert AlreadySettled(id);
        if (s != Status.None) revert TaskClosed(id);
        _checkTask(id, task, signature);
        uint256 c = cost(task.maxReward, task.penalty);
        uint256 b = balanceOf[task.requester];
        if (b < c) revert InsufficientBalance(b, c);
        balanceOf[task.requester] = b - c;
        rec.status = Status.Open;
        rec.funded = true;
        rec.requester = task.requester;
        rec.locked = c;
        emit TaskOpened(id, task.requester, c);
    }

    function _slot(Vote calldata v) private pure returns (uint8) {
        if (v.kind == VOTE_ASSIGNMENT) return 1;
        if (v.kind == VOTE_INVALID) {
            if (v.round != 0) revert InvalidVote(v.kind);
            return 1;
        }
        if (v.kind == VOTE_COMPLETION || v.kind == VOTE_DEFAULT) return 2;
        revert InvalidVote(v.kind);
    }

    function _voteDigest(Vote calldata v) private view returns (bytes32) {
        if (v.kind == VOTE_ASSIGNMENT)
            return _digest(keccak256(abi.encode(ASSIGNMENT_TYPEHASH, v.taskId, v.round, v.prover, v.price)));
        if (v.kind == VOTE_COMPLETION)
            return _digest(keccak256(abi.encode(COMPLETION_TYPEHASH, v.taskId, v.round, v.prover, v.proofHash)));
        if (v.kind == VOTE_DEFAULT) return _digest(keccak256(abi.encode(DEFAULT_TYPEHASH, v.taskId, v.round, v.prover)));
        return _digest(keccak256(abi.encode(INVALID_TYPEHASH, v.taskId)));
    }

    struct Split {
        uint256 refund;
        uint256 toProver;
        uint256 royalty;
        uint256 toTreasury;
        uint256 toInsurance;
        uint256 toAttesters;
        address royaltyTo;
    }

    /// `fee = price·feeBps/1e4`; the attesters' share `fee·attesterShareBps/1e4` comes out of the fee first, the
    /// rest is split between treasury (`treasuryShareBps`) and fund. The requester's cost and the prover's share
    /// (`price − fee`) do not depend on the attesters' share.
    function _split(uint256 locked, address prover, uint256 price) private view returns (Split memory p) {
        p.refund = locked - price;
        uint256 fee = (price * feeBps) / BPS;
        p.toAttesters = (fee * attesterShareBps) / BPS;
        uint256 rest = fee - p.toAttesters;
        p.toTreasury = (rest * treasuryShareBps) / BPS;
        p.toInsurance = rest - p.toTreasury;
        uint256 share = price - fee;
        p.royaltyTo = royaltyRecipientOf[prover];
        p.royalty = p.royaltyTo == address(0) ? 0 : (share * royaltyBps) / BPS;
        p.toProver = share - p.royalty;
    }

    function _payout(
        bytes32 id,
        Task calldata task,
        TaskRecord storage rec,
        Assignment calldata a,
        address[] calldata signers,
        uint256[] memory stakes
    ) private {
        uint256 premium = _premium(task.penalty);
        Split memory p = _split(rec.locked - premium, a.prover, a.price);
        uint256 paid = p.toAttesters == 0 ? 0 : _payAttesters(signers, stakes, p.toAttesters);
        p.toInsurance += p.toAttesters - paid;
        uint256 slashed = rec.slashed;
        rec.status = Status.Settled;
        rec.round = a.round;
        rec.locked = 0;
        rec.slashed = 0;
        balanceOf[rec.requester] += p.refund;
        earnings[a.prover] += p.toProver;
        if (p.royalty != 0) earnings[p.royaltyTo] += p.royalty;
        earnings[treasury] += p.toTreasury;
        // stake slashed in earlier defaulted rounds of a task that was finally proven goes to the insurance fund
        insuranceFund += p.toInsurance + premium + slashed;
        emit TaskSettled(id, a.round, a.prover, a.price, p.toProver, p.royalty, p.toTreasury, p.toInsurance, p.refund);
        if (p.toAttesters != 0) emit AttestersPaid(id, paid, signers.length);
    }

    /// Credits `share_i = floor(total · stake_i / signedStake)` to each signer (`stakes[i]` its stake at the task's
    /// epoch, `stakes[n]` the signed stake, > 0 by the quorum rule); returns the sum credited (`total` minus a
    /// rounding remainder below the number of signers). A signer without stake at the epoch gets nothing.
    function _payAttesters(address[] calldata signers, uint256[] memory stakes, uint256 total) private returns (uint256 paid) {
        uint256 n = signers.length;
        uint256 signedStake = stakes[n];
        for (uint256 i = 0; i < n; ++i) {
            uint256 s = (total * stakes[i]) / signedStake;
            if (s != 0) {
                earnings[signers[i]] += s;
                paid += s;
            }
        }
    }

    /// Ends an open task as failed: premium to the fund, the rest of the locked cost back to the requester, and
    /// the penalty if a round defaulted.
    function _fail(bytes32 id, Task calldata task, TaskRecord storage rec) private {
        uint256 premium = _premium(task.penalty);
        uint256 refund = rec.locked - premium;
        rec.status = Status.Failed;
        rec.locked = 0;
        insuranceFund += premium;
        balanceOf[rec.requester] += refund;
        emit TaskFailed(id, refund, premium);
        if (rec.defaults != 0) _payPenalty(id, rec, task.penalty);
    }

    /// A failed task with a default owes its requester `penalty` once (SPEC §9.6): from the slashed stake first,
    /// then from the insurance fund (only for a task that paid its premium), at most `coverageBps` of the fund.
    /// Slashed stake beyond what is owed goes to the fund.
    function _payPenalty(bytes32 id, TaskRecord storage rec, uint256 penalty) private {
        uint256 slashed = rec.slashed;
        rec.slashed = 0;
        if (rec.penaltyPaid) {
            insuranceFund += slashed;
            return;
        }
        rec.penaltyPaid = true;
        uint256 fromSlash = penalty < slashed ? penalty : slashed;
        uint256 fund = insuranceFund + (slashed - fromSlash);
        uint256 fromInsurance = 0;
        if (rec.funded) {
            uint256 missing = penalty - fromSlash;
            uint256 cap = (fund * coverageBps) / BPS;
            fromInsurance = missing < cap ? missing : cap;
        }
        insuranceFund = fund - fromInsurance;
        balanceOf[rec.requester] += fromSlash + fromInsurance;
        emit PenaltyPaid(id, rec.requester, fromSlash, fromInsurance);
    }

    function _verifyCertificate(bytes32 digest, Certificate calldata cert, uint64 epoch) private view {
        _checkCertificate(digest, cert, epoch, false);
    }

    /// Signatures strictly ascending by attester, each valid, together >= 2/3 of the stake at `epoch`. With `keep`,
    /// returns `n + 1` words: each signer's stake at the epoch, then the signed stake (else an empty array).
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

    /// The registry reverts `UnknownCircuit` for a circuit it does not have under `proofSystem`, and the verifier
    /// `MalformedProof` for wrong lengths.
    function _verifyProof(
        bytes32 circuitId,
        uint8 proofSystem,
        uint256[] calldata proof,
        uint256[] calldata publicSignals
    ) private view {
        if (!circuits.verify(circuitId, proofSystem, proof, publicSignals)) revert InvalidProof();
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
}
