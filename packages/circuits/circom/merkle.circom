pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/switcher.circom";
include "circomlib/circuits/bitify.circom";

// Merkle inclusion proof over a binary Poseidon(2) tree of the given depth.
// Public: the root (output) and the leaf index; private: the leaf and its sibling path.
// Proves that Poseidon(1)(leaf) is the leaf at `index` of the tree whose root is `root`: the verifier
// compares the public root with the root it trusts.
template MerkleInclusion(depth) {
    signal output root;
    signal input index;
    signal input leaf;
    signal input siblings[depth];

    component bits = Num2Bits(depth);
    bits.in <== index;

    component leafHash = Poseidon(1);
    leafHash.inputs[0] <== leaf;

    component sw[depth];
    component h[depth];
    signal acc[depth + 1];
    acc[0] <== leafHash.out;
    for (var i = 0; i < depth; i++) {
        sw[i] = Switcher();
        sw[i].sel <== bits.out[i];
        sw[i].L <== acc[i];
        sw[i].R <== siblings[i];
        h[i] = Poseidon(2);
        h[i].inputs[0] <== sw[i].outL;
        h[i].inputs[1] <== sw[i].outR;
        acc[i + 1] <== h[i].out;
    }
    root <== acc[depth];
}
