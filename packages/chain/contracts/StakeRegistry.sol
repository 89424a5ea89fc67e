// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title ZKPool stake registry (protocol v1, SPEC §9.1, §9.2, §9.10)
/// @notice Operators stake native currency here. An operator's weight for a task is its stake at the task's
/// stake epoch: `stakeAt(operator, epoch)` is its active stake at the end of the last block whose timestamp is
/// before `epochStart(epoch) = epoch * epochSeconds` (checkpoints keyed by block timestamp). An epoch is final
/// once a block with timestamp >= its start exists; its table never changes afterwards.
///
/// Unstaking is two-step: `requestUnstake` moves stake to unbonding at once (it stops counting for later
/// epochs), `withdrawStake` pays it out after `unstakeDelay`. Unbonding stake stays slashable until it is
/// withdrawn, and `unstakeDelay` is at least the escrow's horizon H, so stake that backed a task is there for
/// every slash the task can cause (SPEC §9.2). There are no per-assignment holds.
///
/// Active stake is 0 or at least `minStake` after `stake` and `requestUnstake` (SPEC §9.10). `operators()`
/// lists only operators with active or unbonding stake. Only the escrow slashes.
contract StakeRegistry {
    struct Checkpoint {
        uint64 time;
        uint192 amount;
    }

    struct Unbonding {
        uint256 amount;
        uint64 unlockTime;
    }

    /// Length of a stake epoch, seconds.
    uint64 public immutable epochSeconds;
    /// Least active stake an operator may hold (0 or at least this).
    uint256 public immutable minStake;
    /// Seconds between `requestUnstake` and the earliest `withdrawStake`.
    uint64 public immutable unstakeDelay;
    address private immutable _deployer;
    /// The escrow, the only account allowed to slash. Set once.
    address public escrow;

    mapping(address => Checkpoint[]) private _stakeCheckpoints;
    Checkpoint[] private _totalCheckpoints;
    mapping(address => Unbonding) private _unbonding;
    /// Operators with active or unbonding stake, in no particular order (swap-and-pop on leave).
    address[] private _operators;
    /// 1 + index in `_operators`, 0 when not listed.
    mapping(address => uint256) private _position;

    event EscrowSet(address indexed escrow);
    event Staked(address indexed operator, uint256 amount, uint256 newStake);
    event UnstakeRequested(address indexed operator, uint256 amount, uint256 unbonding, uint64 unlockTime);
    event StakeWithdrawn(address indexed operator, uint256 amount);
    event Slashed(address indexed operator, bytes32 indexed taskId, uint256 requested, uint256 amount);
    event OperatorJoined(address indexed operator);
    event OperatorLeft(address indexed operator);

    error ZeroAmount();
    error BadParameters();
    error InsufficientStake(uint256 available, uint256 requested);
    error BelowMinStake(uint256 remaining, uint256 minStake);
    error NothingUnbonding();
    error UnstakeNotReady(uint64 unlockTime, uint64 now_);
    error OnlyEscrow(address caller);
    error OnlyDeployer(address caller);
    error EscrowAlreadySet(address escrow);
    error ZeroAddress();
    error StakeOverflow();
    error TransferFailed(address to, uint256 amount);

    constructor(uint64 epochSeconds_, uint256 minStake_, uint64 unstakeDelay_) {
        if (epochSeconds_ == 0) revert BadParameters();
        epochSeconds = epochSeconds_;
        minStake = minStake_;
        unstakeDelay = unstakeDelay_;
        _deployer = msg.sender;
    }

    modifier onlyEscrow() {
        if (msg.sender != escrow || escrow == address(0)) revert OnlyEscrow(msg.sender);
        _;
    }

    /// Binds the escrow (once, by the deployer).
    function setEscrow(address escrow_) external {
        if (msg.sender != _deployer) revert OnlyDeployer(msg.sender);
        if (escrow != address(0)) revert EscrowAlreadySet(escrow);
        if (escrow_ == address(0)) revert ZeroAddress();
        escrow = escrow_;
        emit EscrowSet(escrow_);
    }

    // ---------------------------------------------------------------- staking

    /// Adds `msg.value` to active stake; the result must be at least `minStake`.
    function stake() external payable {
        if (msg.value == 0) revert ZeroAmount();
        uint256 newStake = stakeOf(msg.sender) + msg.value;
        if (newStake > type(uint192).max) revert StakeOverflow();
        if (newStake < minStake) revert BelowMinStake(newStake, minStake);
        _list(msg.sender);
        _push(_stakeCheckpoints[msg.sender], newStake);
        _push(_totalCheckpoints, totalStake() + msg.value);
        emit Staked(msg.sender, msg.value, newStake);
    }

    /// Moves `amount` of active stake to unbonding: it stops counting for epochs that start after this block,
    /// stays slashable, and can be withdrawn after `unstakeDelay`. What stays active must be 0 or at least
    /// `minStake`. A new request adds to the unbonding amount and restarts the delay.
    function requestUnstake(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 current = stakeOf(msg.sender);
        if (amount > current) revert InsufficientStake(current, amount);
        uint256 remaining = current - amount;
        if (remaining != 0 && remaining < minStake) revert BelowMinStake(remaining, minStake);
        _push(_stakeCheckpoints[msg.sender], remaining);
        _push(_totalCheckpoints, totalStake() - amount);
        Unbonding storage u = _unbonding[msg.sender];
        u.amount += amount;
        u.unlockTime = uint64(block.timestamp) + unstakeDelay;
        emit UnstakeRequested(msg.sender, amount, u.amount, u.unlockTime);
    }

    /// Withdraws everything that finished unbonding.
    function withdrawStake() external {
        Unbonding memory u = _unbonding[msg.sender];
        if (u.amount == 0) revert NothingUnbonding();
        if (block.timestamp < u.unlockTime) revert UnstakeNotReady(u.unlockTime, uint64(block.timestamp));
        delete _unbonding[msg.sender];
        _unlistIfEmpty(msg.sender);
        emit StakeWithdrawn(msg.sender, u.amount);
        (bool ok, ) = msg.sender.call{value: u.amount}("");
        if (!ok) revert TransferFailed(msg.sender, u.amount);
    }

    // ---------------------------------------------------------------- escrow hook

    /// Takes up to `amount` from the operator (active stake first, then unbonding) and sends it to the escrow.
    /// `type(uint256).max` takes everything.
    function slash(address operator, uint256 amount, bytes32 taskId) external onlyEscrow returns (uint256 taken) {
        uint256 active = stakeOf(operator);
        uint256 fromActive = amount < active ? amount : active;
        if (fromActive != 0) {
            _push(_stakeCheckpoints[operator], active - fromActive);
            _push(_totalCheckpoints, totalStake() - fromActive);
        }
        uint256 rest = amount - fromActive;
        uint256 fromUnbonding = 0;
        if (rest != 0) {
            Unbonding storage u = _unbonding[operator];
            fromUnbonding = rest < u.amount ? rest : u.amount;
            u.amount -= fromUnbonding;
        }
        taken = fromActive + fromUnbonding;
        _unlistIfEmpty(operator);
        emit Slashed(operator, taskId, amount, taken);
        if (taken != 0) {
            (bool ok, ) = escrow.call{value: taken}("");
            if (!ok) revert TransferFailed(escrow, taken);
        }
    }

    // ---------------------------------------------------------------- reads

    /// Current active stake.
    function stakeOf(address operator) public view returns (uint256) {
        Checkpoint[] storage c = _stakeCheckpoints[operator];
        return c.length == 0 ? 0 : c[c.length - 1].amount;
    }

    /// Current total active stake.
    function totalStake() public view returns (uint256) {
        uint256 n = _totalCheckpoints.length;
        return n == 0 ? 0 : _totalCheckpoints[n - 1].amount;
    }

    /// Start of epoch `epoch`, unix seconds.
    function epochStart(uint64 epoch) public view returns (uint256) {
        return uint256(epoch) * epochSeconds;
    }

    /// Stake of `operator` at epoch `epoch`: its active stake at the end of the last block with timestamp before
    /// `epochStart(epoch)`. Final (never changes) once a block with timestamp >= `epochStart(epoch)` exists.
    function stakeAt(address operator, uint64 epoch) external view returns (uint256) {
        return _lookup(_stakeCheckpoints[operator], epochStart(epoch));
    }

    /// Total active stake at epoch `epoch` (same rule as `stakeAt`).
    function totalStakeAt(uint64 epoch) external view returns (uint256) {
        return _lookup(_totalCheckpoints, epochStart(epoch));
    }

    /// Whether epoch `epoch`'s stake table is final at this block.
    function isFinal(uint64 epoch) external view returns (bool) {
        return epochStart(epoch) <= block.timestamp;
    }

    /// Operators with active or unbonding stake.
    function operatorCount() external view returns (uint256) {
        return _operators.length;
    }

    /// Operators with active or unbonding stake, `start` to `start + count` (clamped); read their stake at an
    /// epoch with `stakeAt`. The order changes when operators leave.
    function operators(uint256 start, uint256 count) external view returns (address[] memory out) {
        uint256 n = _operators.length;
        if (start > n) start = n;
        uint256 end = count > n - start ? n : start + count;
        out = new address[](end - start);
        for (uint256 i = start; i < end; ++i) out[i - start] = _operators[i];
    }

    function unbondingOf(address operator) external view returns (uint256 amount, uint64 unlockTime) {
        Unbonding memory u = _unbonding[operator];
        return (u.amount, u.unlockTime);
    }

    // ---------------------------------------------------------------- operator set

    function _list(address operator) private {
        if (_position[operator] != 0) return;
        _operators.push(operator);
        _position[operator] = _operators.length;
        emit OperatorJoined(operator);
    }

    function _unlistIfEmpty(address operator) private {
        uint256 pos = _position[operator];
        if (pos == 0 || stakeOf(operator) != 0 || _unbonding[operator].amount != 0) return;
        uint256 last = _operators.length;
        if (pos != last) {
            address moved = _operators[last - 1];
            _operators[pos - 1] = moved;
            _position[moved] = pos;
        }
        _operators.pop();
        delete _position[operator];
        emit OperatorLeft(operator);
    }

    // ---------------------------------------------------------------- checkpoints

    function _push(Checkpoint[] storage c, uint256 amount) private {
        uint256 n = c.length;
        if (n != 0 && c[n - 1].time == block.timestamp) {
            c[n - 1].amount = uint192(amount);
        } else {
            c.push(Checkpoint(uint64(block.timestamp), uint192(amount)));
        }
    }

    /// Value of the last checkpoint with time < `before` (binary search), 0 if none.
    function _lookup(Checkpoint[] storage c, uint256 before) private view returns (uint256) {
        uint256 lo = 0;
        uint256 hi = c.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            if (c[mid].time >= before) hi = mid;
            else lo = mid + 1;
        }
        return lo == 0 ? 0 : c[lo - 1].amount;
    }
}
