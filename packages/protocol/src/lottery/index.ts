// The stake-weighted lottery (see protocol/SPEC.md §Lottery). Filled in by the lottery work.
export {};
