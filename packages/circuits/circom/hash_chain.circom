pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";

// A Poseidon hash chain: out = H(H(...H(seed, 0)..., n-2), n-1) with H = Poseidon(2).
// The step counter is hashed in so that every link differs. One link costs ~240 R1CS constraints,
// so `links` scales the circuit linearly (the catalog picks links per target size 2^k).
template HashChain(links) {
    signal input seed;
    signal output out;

    component h[links];
    signal acc[links + 1];
    acc[0] <== seed;
    for (var i = 0; i < links; i++) {
        h[i] = Poseidon(2);
        h[i].inputs[0] <== acc[i];
        h[i].inputs[1] <== i;
        acc[i + 1] <== h[i].out;
    }
    out <== acc[links];
}
