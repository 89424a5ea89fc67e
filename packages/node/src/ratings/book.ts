/**
 * Prover ratings from certified outcomes: per operator, rounds assigned, completed (on time by
 * definition: a completion certificate only forms for a proof received by the round deadline), defaulted,
 * and bids committed but never revealed. Local to this node: used by operators and pricing, never by the
 * lottery (which depends on public data only).
 */
export interface ProverRating {
  prover: string;
  assigned: number;
  completed: number;
  defaulted: number;
  nonReveals: number;
}

export type RatingOutcome = "assigned" | "completed" | "defaulted" | "nonReveal";

export function emptyRating(prover: string): ProverRating {
  return { prover: prover.toLowerCase(), assigned: 0, completed: 0, defaulted: 0, nonReveals: 0 };
}

/** Success ratio in per-mille (integer): completed / assigned, 1000 when nothing was assigned yet. */
export function successPerMille(r: ProverRating): number {
  return r.assigned === 0 ? 1000 : Math.floor((r.completed * 1000) / r.assigned);
}

export function applyOutcome(r: ProverRating, o: RatingOutcome): ProverRating {
  switch (o) {
    case "assigned":
      return { ...r, assigned: r.assigned + 1 };
    case "completed":
      return { ...r, completed: r.completed + 1 };
    case "defaulted":
      return { ...r, defaulted: r.defaulted + 1 };
    case "nonReveal":
      return { ...r, nonReveals: r.nonReveals + 1 };
  }
}
