// Per-task committees (issue 15; SPEC §11, proposed).
export type {
  Committee,
  CommitteeCheck,
  CommitteeMember,
  CommitteeMode,
  DrawCommitteeParams,
} from "./interface.js";
export { CommitteeError, type CommitteeErrorCode, type CommitteeErrorType } from "./errors.js";
export {
  COMMITTEE_DOMAIN,
  DEFAULT_COMMITTEE_SIZE,
  MAX_COMMITTEE_SIZE,
  PreparedStakes,
  checkCommitteeSigners,
  committeeAttesterSet,
  committeeAttesters,
  committeeQuorum,
  committeeSeatValue,
  committeeSeed,
  committeeSignedWeight,
  committeeWeightOf,
  drawCommittee,
  hasCommitteeQuorum,
  isPreparedStakes,
  prepareStakeTable,
} from "./committee.js";
export {
  binomialTail,
  blockingSeats,
  committeeFaultBound,
  committeeLivenessFailure,
  forgingSeats,
  formatProbability,
  reduceFraction,
  type CommitteeFaultBound,
  type Fraction,
} from "./safety.js";
