pragma circom 2.1.0;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// Range check: proves lower <= value < upper for a private value and public bounds, all below 2^bits.
// (bits <= 252: the comparators need one bit of headroom below the field size.)
template RangeCheck(bits) {
    signal input value;
    signal input lower;
    signal input upper;

    // Every operand must fit in `bits` bits, or the comparators below are unsound.
    component vBits = Num2Bits(bits);
    vBits.in <== value;
    component lBits = Num2Bits(bits);
    lBits.in <== lower;
    component uBits = Num2Bits(bits);
    uBits.in <== upper;

    component geLower = GreaterEqThan(bits);
    geLower.in[0] <== value;
    geLower.in[1] <== lower;
    geLower.out === 1;

    component ltUpper = LessThan(bits);
    ltUpper.in[0] <== value;
    ltUpper.in[1] <== upper;
    ltUpper.out === 1;
}
