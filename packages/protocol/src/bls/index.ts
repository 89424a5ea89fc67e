// BLS aggregate certificates (issue 15 item 2; draft SPEC §11.10, proposed). Not wired into the node or chain.
export { BlsError, type BlsErrorCode, type BlsErrorType } from "./errors.js";
export {
  BLS_CIPHERSUITE,
  BLS_POP_DOMAIN,
  BLS_PUBLIC_KEY_LENGTH,
  BLS_SIGNATURE_LENGTH,
  BlsKeyRegistry,
  aggregatePublicKey,
  blsKeyFromSeed,
  blsKeyRegistry,
  blsProofOfPossession,
  blsRegistrationMessage,
  blsSign,
  decodeBlsPublicKey,
  decodeBlsSignature,
  isBlsKeyRegistry,
  verifyBlsProofOfPossession,
  type BlsKey,
  type BlsKeyRegistration,
} from "./keys.js";
export {
  aggregateBlsSignatures,
  assembleBlsCertificate,
  blsSignerBitmap,
  blsVoteMessage,
  signBlsVote,
  verifyBlsCertificate,
  verifyBlsVote,
  type BlsCertificate,
  type BlsCertificateCheck,
  type BlsVote,
} from "./certificate.js";
