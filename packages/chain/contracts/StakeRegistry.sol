// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title ZKPool stake registry
/// @notice Operators stake native currency here. Every operator with stake > 0 is an attester; its weight in
/// certificates and in the lottery is its stake at the task's `stakeEpoch` block, read from per-operator and
/// total checkpoints. Unstaking is two-step (request, then withdraw after `unstakeDelay`); stake that is
/// unbonding no longer counts as weight but can still be slashed. A withdrawal is blocked while the operator
/// holds an on-chain assignment that could still turn into a slash (a "pending slash"). Only the escrow slashes.
contract StakeRegistry {
    struct Checkpoint {
        uint64 blockNumber;
        uint192 amount;
    }

    struct Unbonding {
        uint256 amount;
        uint64 unlockTime;
    }

    /// Seconds between `requestUnstake` and the earliest `withdrawStake`.
    uint64 public immutable unstakeDelay;
    address private immutable _deployer;
    /// The escrow, the only account allowed to slash and to place holds. Set once.
    address public escrow;

    mapping(address => Checkpoint[]) private _stakeCheckpoints;
    Checkpoint[] private _totalCheckpoints;
    mapping(address => Unbonding) private _unbonding;
    /// Open on-chain assignments per operator; while > 0 the operator cannot withdraw (a slash may be pending).
    mapping(address => uint256) public holds;
    /// Every address that ever staked, in first-stake order (for enumerating the attester set at a snapshot).
    address[] private _operators;
    mapping(address => bool) private _known;

    event EscrowSet(address indexed escrow);
    event Staked(address indexed operator, uint256 amount, uint256 newStake);
    event UnstakeRequested(address indexed operator, uint256 amount, uint256 unbonding, uint64 unlockTime);
    event StakeWithdrawn(address indexed operator, uint256 amount);
    event Slashed(address indexed operator, bytes32 indexed taskId, uint256 requested, uint256 amount);
    event HoldPlaced(address indexed operator, uint256 holds);
    event HoldReleased(address indexed operator, uint256 holds);

    error ZeroAmount();
    error InsufficientStake(uint256 available, uint256 requested);
    error NothingUnbonding();
    error UnstakeNotReady(uint64 unlockTime, uint64 now_);
    error PendingSlash(uint256 holds);
    error OnlyEscrow(address caller);
    error OnlyDeployer(address caller);
    error EscrowAlreadySet(address escrow);
    error ZeroAddress();
    error NoHold(address operator);
    error StakeOverflow();
    error TransferFailed(address to, uint256 amount);

    constructor(uint64 unstakeDelay_) {
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

    function stake() external payable {
        if (msg.value == 0) revert ZeroAmount();
        uint256 newStake = stakeOf(msg.sender) + msg.value;
        if (newStake > type(uint192).max) revert StakeOverflow();
        if (!_known[msg.sender]) {
            _known[msg.sender] = true;
            _operators.push(msg.sender);
        }
        _push(_stakeCheckpoints[msg.sender], newStake);
        _push(_totalCheckpoints, totalStake() + msg.value);
        emit Staked(msg.sender, msg.value, newStake);
    }

    /// Moves `amount` of active stake to unbonding; it stops counting as weight now and can be withdrawn after
    /// `unstakeDelay`. A new request adds to the unbonding amount and restarts the delay.
    function requestUnstake(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 current = stakeOf(msg.sender);
        if (amount > current) revert InsufficientStake(current, amount);
        _push(_stakeCheckpoints[msg.sender], current - amount);
        _push(_totalCheckpoints, totalStake() - amount);
        Unbonding storage u = _unbonding[msg.sender];
        u.amount += amount;
        u.unlockTime = uint64(block.timestamp) + unstakeDelay;
        emit UnstakeRequested(msg.sender, amount, u.amount, u.unlockTime);
    }

    /// Withdraws everything that finished unbonding. Refused while a slash may be pending (open assignment).
    function withdrawStake() external {
        Unbonding memory u = _unbonding[msg.sender];
        if (u.amount == 0) revert NothingUnbonding();
        if (block.timestamp < u.unlockTime) revert UnstakeNotReady(u.unlockTime, uint64(block.timestamp));
        uint256 h = holds[msg.sender];
        if (h != 0) revert PendingSlash(h);
        delete _unbonding[msg.sender];
        emit StakeWithdrawn(msg.sender, u.amount);
        (bool ok, ) = msg.sender.call{value: u.amount}("");
        if (!ok) revert TransferFailed(msg.sender, u.amount);
    }

    // ---------------------------------------------------------------- escrow hooks

    /// Takes up to `amount` from the operator (active stake first, then unbonding) and sends it to the escrow.
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
        emit Slashed(operator, taskId, amount, taken);
        if (taken != 0) {
            (bool ok, ) = escrow.call{value: taken}("");
            if (!ok) revert TransferFailed(escrow, taken);
        }
    }

    function placeHold(address operator) external onlyEscrow {
        uint256 h = ++holds[operator];
        emit HoldPlaced(operator, h);
    }

    function releaseHold(address operator) external onlyEscrow {
        uint256 h = holds[operator];
        if (h == 0) revert NoHold(operator);
        holds[operator] = h - 1;
        emit HoldReleased(operator, h - 1);
    }

    // ---------------------------------------------------------------- reads

    function stakeOf(address operator) public view returns (uint256) {
        Checkpoint[] storage c = _stakeCheckpoints[operator];
        return c.length == 0 ? 0 : c[c.length - 1].amount;
    }

    function totalStake() public view returns (uint256) {
        uint256 n = _totalCheckpoints.length;
        return n == 0 ? 0 : _totalCheckpoints[n - 1].amount;
    }

    /// Stake of `operator` at the end of block `blockNumber`. For a block that is not yet final (the current one
    /// or later) this is the latest value, which may still change; the escrow only reads past blocks.
    function stakeAt(address operator, uint256 blockNumber) external view returns (uint256) {
        return _lookup(_stakeCheckpoints[operator], blockNumber);
    }

    /// Total attester stake at the end of block `blockNumber` (same caveat as `stakeAt`).
    function totalStakeAt(uint256 blockNumber) external view returns (uint256) {
        return _lookup(_totalCheckpoints, blockNumber);
    }

    function operatorCount() external view returns (uint256) {
        return _operators.length;
    }

    /// Addresses that ever staked, `start` to `start + count` (clamped); read their stake with `stakeAt`.
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

    // ---------------------------------------------------------------- checkpoints

    function _push(Checkpoint[] storage c, uint256 amount) private {
        uint256 n = c.length;
        if (n != 0 && c[n - 1].blockNumber == block.number) {
            c[n - 1].amount = uint192(amount);
        } else {
            c.push(Checkpoint(uint64(block.number), uint192(amount)));
        }
    }

    /// Value of the last checkpoint with blockNumber <= `blockNumber` (binary search), 0 if none.
    function _lookup(Checkpoint[] storage c, uint256 blockNumber) private view returns (uint256) {
        uint256 lo = 0;
        uint256 hi = c.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            if (c[mid].blockNumber > blockNumber) hi = mid;
            else lo = mid + 1;
        }
        return lo == 0 ? 0 : c[lo - 1].amount;
    }
}
