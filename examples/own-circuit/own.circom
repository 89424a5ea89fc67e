pragma circom 2.1.0;

// A circuit that is not in packages/circuits: "I know a secret whose Poseidon hash is `commitment`, and it is
// below `bound`". It includes circomlib (resolved by `zkpool circuit setup`, wherever this file lives).
include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";

template OwnCommitment() {
    signal input secret;
    signal input salt;
    signal input bound;
    signal output commitment;

    component h = Poseidon(2);
    h.inputs[0] <== secret;
    h.inputs[1] <== salt;
    commitment <== h.out;

    component lt = LessThan(64);
    lt.in[0] <== secret;
    lt.in[1] <== bound;
    lt.out === 1;
}

component main { public [bound] } = OwnCommitment();
