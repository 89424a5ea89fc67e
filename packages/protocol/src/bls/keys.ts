/**
 * BLS keys of attesters and their registration with a proof of possession (draft SPEC §11.10, proposed).
 *
 * Ciphersuite: BLS12-381, min-pk (48-byte compressed G1 public keys, 96-byte compressed G2 signatures), the
 * IETF `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_` suite exactly as blst (and Ethereum's consensus layer)
 * implements it. A key is usable only once its registration, `utf8("zkpool/bls/pop/v1") || operator || pubkey`
 * signed by that key, verifies: this is what makes `fastAggregateVerify` over a set of keys sound (it defeats
 * rogue-key attacks, where a key chosen as `g^x - Σ others` would let one party forge an "aggregate"). Like an
 * Ethereum deposit, the proof is signed under the signature DST and separated from votes by its message: votes
 * sign a 32-byte EIP-712 digest, a registration is 85 bytes, so neither can stand for the other.
 */
import { PublicKey, SecretKey, Signature, aggregatePublicKeys, verify } from "@chainsafe/blst";
import { bytesEqual, concatBytes, fromHex, utf8, type Hex } from "../bytes.js";
import { BlsError, blsError, invalidBlsInput } from "./errors.js";

export const BLS_POP_DOMAIN = "zkpool/bls/pop/v1";
export const BLS_PUBLIC_KEY_LENGTH = 48;
export const BLS_SIGNATURE_LENGTH = 96;
/** The ciphersuite blst signs and verifies under (the DST of hash-to-G2). */
export const BLS_CIPHERSUITE = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

const POP_DOMAIN_BYTES = utf8(BLS_POP_DOMAIN);
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/** A BLS secret key with its public key. Dev and test keys come from `blsKeyFromSeed`. */
export interface BlsKey {
  readonly secretKey: SecretKey;
  /** 48-byte compressed G1 point. */
  readonly publicKey: Uint8Array;
}

/** IETF KeyGen (HKDF-SHA-256) from at least 32 bytes of secret seed material. */
export function blsKeyFromSeed(seed: Uint8Array): BlsKey {
  if (!(seed instanceof Uint8Array) || seed.length < 32) {
    throw invalidBlsInput("seed", "expected a Uint8Array of at least 32 bytes");
  }
  const secretKey = SecretKey.fromKeygen(seed);
  return { secretKey, publicKey: secretKey.toPublicKey().toBytes(true) };
}

/** Signs `message` (hash-to-G2 under the POP suite's signature DST); 96 bytes. */
export function blsSign(key: BlsKey, message: Uint8Array): Uint8Array {
  if (!(message instanceof Uint8Array)) throw invalidBlsInput("message", "expected a Uint8Array");
  return key.secretKey.sign(message).toBytes(true);
}

export function canonicalOperator(operator: unknown, field = "operator"): Hex {
  if (typeof operator !== "string" || !ADDRESS_RE.test(operator)) {
    throw invalidBlsInput(field, "expected a 0x-prefixed 20-byte hex address");
  }
  return operator.toLowerCase() as Hex;
}

/**
 * A public key from its 48-byte compressed encoding: canonical (re-encodes to the same bytes), not the point at
 * infinity, in the prime-order subgroup. Anything else is `BAD_PUBLIC_KEY`.
 */
export function decodeBlsPublicKey(bytes: unknown, field = "publicKey"): PublicKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== BLS_PUBLIC_KEY_LENGTH) {
    throw blsError("BAD_PUBLIC_KEY", `${field} must be a ${BLS_PUBLIC_KEY_LENGTH}-byte compressed G1 point`, {
      field,
      reason: "length",
    });
  }
  let pk: PublicKey;
  try {
    pk = PublicKey.fromBytes(bytes, true);
  } catch (err) {
    throw blsError("BAD_PUBLIC_KEY", `${field} is not a valid G1 public key (${(err as Error).message})`, {
      field,
      reason: "point",
    });
  }
  if (!bytesEqual(pk.toBytes(true), bytes)) {
    throw blsError("BAD_PUBLIC_KEY", `${field} is not canonically encoded`, { field, reason: "non-canonical" });
  }
  return pk;
}

/**
 * A signature from its 96-byte compressed encoding, group-checked and not infinity; `BAD_SIGNATURE` otherwise
 * (`MALFORMED` for a wrong type or length).
 */
export function decodeBlsSignature(bytes: unknown, field = "signature"): Signature {
  if (!(bytes instanceof Uint8Array) || bytes.length !== BLS_SIGNATURE_LENGTH) {
    throw blsError("MALFORMED", `${field} must be a ${BLS_SIGNATURE_LENGTH}-byte compressed G2 point`, {
      field,
      reason: "length",
    });
  }
  let sig: Signature;
  try {
    sig = Signature.fromBytes(bytes, true, true);
  } catch (err) {
    throw blsError("BAD_SIGNATURE", `${field} is not a valid G2 signature (${(err as Error).message})`, {
      field,
      reason: "point",
    });
  }
  if (!bytesEqual(sig.toBytes(true), bytes)) {
    throw blsError("BAD_SIGNATURE", `${field} is not canonically encoded`, { field, reason: "non-canonical" });
  }
  return sig;
}

/** The registration message: `utf8("zkpool/bls/pop/v1") || operator (20 bytes) || publicKey (48 bytes)`. */
export function blsRegistrationMessage(operator: string, publicKey: Uint8Array): Uint8Array {
  const op = canonicalOperator(operator);
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== BLS_PUBLIC_KEY_LENGTH) {
    throw invalidBlsInput("publicKey", `expected ${BLS_PUBLIC_KEY_LENGTH} bytes`);
  }
  return concatBytes(POP_DOMAIN_BYTES, fromHex(op), publicKey);
}

/** The proof of possession of `key` for `operator`: the key's signature over the registration message. */
export function blsProofOfPossession(key: BlsKey, operator: string): Uint8Array {
  return blsSign(key, blsRegistrationMessage(operator, key.publicKey));
}

function checkProofOfPossession(operator: string, publicKey: Uint8Array, proof: Uint8Array): PublicKey {
  const pk = decodeBlsPublicKey(publicKey);
  const message = blsRegistrationMessage(operator, publicKey);
  let sig: Signature;
  try {
    sig = decodeBlsSignature(proof, "proofOfPossession");
  } catch (err) {
    throw blsError("BAD_PROOF_OF_POSSESSION", `the proof of possession is malformed: ${(err as Error).message}`, {
      reason: "encoding",
    });
  }
  if (!verify(message, pk, sig, false, false)) {
    throw blsError("BAD_PROOF_OF_POSSESSION", "the proof of possession does not verify for this operator and key", {
      reason: "signature",
    });
  }
  return pk;
}

/** True iff `proof` is `publicKey`'s signature over `operator`'s registration message. Never throws. */
export function verifyBlsProofOfPossession(operator: string, publicKey: Uint8Array, proof: Uint8Array): boolean {
  try {
    checkProofOfPossession(operator, publicKey, proof);
    return true;
  } catch {
    return false;
  }
}

export interface BlsKeyRegistration {
  operator: string;
  /** 48-byte compressed G1 point. */
  publicKey: Uint8Array;
  /** 96 bytes: `blsProofOfPossession(key, operator)`. */
  proofOfPossession: Uint8Array;
}

const REGISTRY_TOKEN = Symbol("BlsKeyRegistry");

/**
 * Operator -> BLS public key, every key checked (encoding, subgroup, proof of possession) when registered and
 * kept decoded, so a certificate check only adds points. Build one with `blsKeyRegistry`; certificate checks
 * refuse anything else, so an unchecked key can never reach `fastAggregateVerify`.
 */
export class BlsKeyRegistry {
  readonly #points: ReadonlyMap<string, PublicKey>;
  readonly #bytes: ReadonlyMap<string, Uint8Array>;

  constructor(token: symbol, points: ReadonlyMap<string, PublicKey>, bytes: ReadonlyMap<string, Uint8Array>) {
    if (token !== REGISTRY_TOKEN) throw invalidBlsInput("BlsKeyRegistry", "build a registry with blsKeyRegistry()");
    this.#points = points;
    this.#bytes = bytes;
  }

  /** Number of registered operators. */
  get size(): number {
    return this.#points.size;
  }

  /** The registered 48-byte key of an operator (any letter case), or undefined. */
  publicKeyOf(operator: string): Uint8Array | undefined {
    const k = this.#bytes.get(typeof operator === "string" ? operator.toLowerCase() : "");
    return k === undefined ? undefined : Uint8Array.from(k);
  }

  /** @internal The decoded key, for the certificate check. */
  pointOf(operator: string): PublicKey | undefined {
    return this.#points.get(operator);
  }
}

/**
 * Registers keys in input order; the first bad registration throws: `INVALID_INPUT` (bad address),
 * `BAD_PUBLIC_KEY`, `BAD_PROOF_OF_POSSESSION` (with `index` and `attester`), `DUPLICATE_KEY` (an operator twice,
 * or one key under two operators).
 */
export function blsKeyRegistry(registrations: readonly BlsKeyRegistration[]): BlsKeyRegistry {
  if (!Array.isArray(registrations)) throw invalidBlsInput("registrations", "expected an array");
  const points = new Map<string, PublicKey>();
  const bytes = new Map<string, Uint8Array>();
  const owners = new Map<string, string>();
  registrations.forEach((r: BlsKeyRegistration, index) => {
    if (r === null || typeof r !== "object") throw invalidBlsInput(`registrations[${index}]`, "expected an object");
    const operator = canonicalOperator(r.operator, `registrations[${index}].operator`);
    let pk: PublicKey;
    try {
      pk = checkProofOfPossession(operator, r.publicKey, r.proofOfPossession);
    } catch (err) {
      if (err instanceof BlsError) {
        throw new BlsError({ ...err.type, index, attester: operator }, `registration ${index} (${operator}): ${err.message}`);
      }
      throw err;
    }
    const keyHex = Buffer.from(r.publicKey).toString("hex");
    if (points.has(operator)) {
      throw blsError("DUPLICATE_KEY", `operator ${operator} is registered twice`, { index, attester: operator });
    }
    const owner = owners.get(keyHex);
    if (owner !== undefined) {
      throw blsError("DUPLICATE_KEY", `operator ${operator} registers the key of ${owner}`, { index, attester: operator });
    }
    owners.set(keyHex, operator);
    points.set(operator, pk);
    bytes.set(operator, Uint8Array.from(r.publicKey));
  });
  return new BlsKeyRegistry(REGISTRY_TOKEN, points, bytes);
}

/** True iff `value` was built by `blsKeyRegistry`. */
export function isBlsKeyRegistry(value: unknown): value is BlsKeyRegistry {
  return value instanceof BlsKeyRegistry;
}

/**
 * The aggregate (G1 sum) of the registered keys of `operators`, 48 bytes: e.g. of a whole committee, to cache.
 * `SIGNER_WITHOUT_KEY` for an operator without a registered key, `INVALID_INPUT` for none.
 */
export function aggregatePublicKey(registry: BlsKeyRegistry, operators: readonly string[]): Uint8Array {
  if (!isBlsKeyRegistry(registry)) throw invalidBlsInput("registry", "expected a BlsKeyRegistry");
  if (!Array.isArray(operators) || operators.length === 0) throw invalidBlsInput("operators", "expected a non-empty array");
  const pks = operators.map((o, index) => {
    const a = canonicalOperator(o, `operators[${index}]`);
    const pk = registry.pointOf(a);
    if (pk === undefined) {
      throw blsError("SIGNER_WITHOUT_KEY", `${a} has no registered BLS key`, { index, attester: a });
    }
    return pk;
  });
  return aggregatePublicKeys(pks, false).toBytes(true);
}
