/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface zkpool {}

export namespace zkpool {
  export interface OperatorRecord {
    operator: Uint8Array<ArrayBuffer>
    peerId: Uint8Array<ArrayBuffer>
    proofSystems: number[]
    moduleIds: string[]
    capacity: number
    softwareVersion: string
    seq: bigint
    issuedAt: bigint
    signature: Uint8Array<ArrayBuffer>
    asks: zkpool.StandingAsk[]
  }

  export namespace OperatorRecord {
    let _codec: Codec<OperatorRecord>

    export const codec = (): Codec<OperatorRecord> => {
      if (_codec == null) {
        _codec = message<OperatorRecord>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.operator != null && obj.operator.byteLength > 0)) {
            w.uint32(10)
            w.bytes(obj.operator)
          }

          if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
            w.uint32(18)
            w.bytes(obj.peerId)
          }

          if (obj.proofSystems != null && obj.proofSystems.length > 0) {
            for (const value of obj.proofSystems) {
              w.uint32(24)
              w.uint32(value)
            }
          }

          if (obj.moduleIds != null && obj.moduleIds.length > 0) {
            for (const value of obj.moduleIds) {
              w.uint32(34)
              w.string(value)
            }
          }

          if ((obj.capacity != null && obj.capacity !== 0)) {
            w.uint32(40)
            w.uint32(obj.capacity)
          }

          if ((obj.softwareVersion != null && obj.softwareVersion !== '')) {
            w.uint32(50)
            w.string(obj.softwareVersion)
          }

          if ((obj.seq != null && obj.seq !== 0n)) {
            w.uint32(57)
            w.fixed64(obj.seq)
          }

          if ((obj.issuedAt != null && obj.issuedAt !== 0n)) {
            w.uint32(65)
            w.fixed64(obj.issuedAt)
          }

          if ((obj.signature != null && obj.signature.byteLength > 0)) {
            w.uint32(74)
            w.bytes(obj.signature)
          }

          if (obj.asks != null && obj.asks.length > 0) {
            for (const value of obj.asks) {
              w.uint32(82)
              zkpool.StandingAsk.codec().encode(value, w)
            }
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            operator: uint8ArrayAlloc(0),
            peerId: uint8ArrayAlloc(0),
            proofSystems: [],
            moduleIds: [],
            capacity: 0,
            softwareVersion: '',
            seq: 0n,
            issuedAt: 0n,
            signature: uint8ArrayAlloc(0),
            asks: []
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.operator = reader.bytes()
                break
              }
              case 2: {
                obj.peerId = reader.bytes()
                break
              }
              case 3: {
                if (opts.limits?.proofSystems != null && obj.proofSystems.length === opts.limits.proofSystems) {
                  throw new MaxLengthError('Decode error - repeated field "proofSystems" had too many elements')
                }

                obj.proofSystems.push(reader.uint32())
                break
              }
              case 4: {
                if (opts.limits?.moduleIds != null && obj.moduleIds.length === opts.limits.moduleIds) {
                  throw new MaxLengthError('Decode error - repeated field "moduleIds" had too many elements')
                }

                obj.moduleIds.push(reader.string())
                break
              }
              case 5: {
                obj.capacity = reader.uint32()
                break
              }
              case 6: {
                obj.softwareVersion = reader.string()
                break
              }
              case 7: {
                obj.seq = reader.fixed64()
                break
              }
              case 8: {
                obj.issuedAt = reader.fixed64()
                break
              }
              case 9: {
                obj.signature = reader.bytes()
                break
              }
              case 10: {
                if (opts.limits?.asks != null && obj.asks.length === opts.limits.asks) {
                  throw new MaxLengthError('Decode error - repeated field "asks" had too many elements')
                }

                obj.asks.push(zkpool.StandingAsk.codec().decode(reader, reader.uint32(), {
                  limits: opts.limits?.asks$
                }))
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }

          return obj
        }, function * (reader, length, prefix, opts = {}) {
          const obj = {
            proofSystems: 0,
            moduleIds: 0,
            asks: 0
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                yield {
                  field: `${prefix}.operator`,
                  value: reader.bytes()
                }
                break
              }
              case 2: {
                yield {
                  field: `${prefix}.peerId`,
                  value: reader.bytes()
                }
                break
              }
              case 3: {
                if (opts.limits?.proofSystems != null && obj.proofSystems === opts.limits.proofSystems) {
                  throw new MaxLengthError('Streaming decode error - repeated field "proofSystems" had too many elements')
                }

                yield {
                  field: `${prefix}.proofSystems[]`,
                  index: obj.proofSystems,
                  value: reader.uint32()
                }

                obj.proofSystems++

                break
              }
              case 4: {
                if (opts.limits?.moduleIds != null && obj.moduleIds === opts.limits.moduleIds) {
                  throw new MaxLengthError('Streaming decode error - repeated field "moduleIds" had too many elements')
                }

                yield {
                  field: `${prefix}.moduleIds[]`,
                  index: obj.moduleIds,
                  value: reader.string()
                }

                obj.moduleIds++

                break
              }
              case 5: {
                yield {
                  field: `${prefix}.capacity`,
                  value: reader.uint32()
                }
                break
              }
              case 6: {
                yield {
                  field: `${prefix}.softwareVersion`,
                  value: reader.string()
                }
                break
              }
              case 7: {
                yield {
                  field: `${prefix}.seq`,
                  value: reader.fixed64()
                }
                break
              }
              case 8: {
                yield {
                  field: `${prefix}.issuedAt`,
                  value: reader.fixed64()
                }
                break
              }
              case 9: {
                yield {
                  field: `${prefix}.signature`,
                  value: reader.bytes()
                }
                break
              }
              case 10: {
                if (opts.limits?.asks != null && obj.asks === opts.limits.asks) {
                  throw new MaxLengthError('Streaming decode error - repeated field "asks" had too many elements')
                }

                for (const evt of zkpool.StandingAsk.codec().stream(reader, reader.uint32(), `${prefix}.asks[]`, {
                  limits: opts.limits?.asks$
                })) {
                  yield {
                    ...evt,
                    index: obj.asks
                  }
                }

                obj.asks++

                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }
        })
      }

      return _codec
    }

    export interface OperatorRecordOperatorFieldEvent {
      field: '$.operator'
      value: Uint8Array<ArrayBuffer>
    }

    export interface OperatorRecordPeerIdFieldEvent {
      field: '$.peerId'
      value: Uint8Array<ArrayBuffer>
    }

    export interface OperatorRecordProofSystemsFieldEvent {
      field: '$.proofSystems[]'
      index: number
      value: number
    }

    export interface OperatorRecordModuleIdsFieldEvent {
      field: '$.moduleIds[]'
      index: number
      value: string
    }

    export interface OperatorRecordCapacityFieldEvent {
      field: '$.capacity'
      value: number
    }

    export interface OperatorRecordSoftwareVersionFieldEvent {
      field: '$.softwareVersion'
      value: string
    }

    export interface OperatorRecordSeqFieldEvent {
      field: '$.seq'
      value: bigint
    }

    export interface OperatorRecordIssuedAtFieldEvent {
      field: '$.issuedAt'
      value: bigint
    }

    export interface OperatorRecordSignatureFieldEvent {
      field: '$.signature'
      value: Uint8Array<ArrayBuffer>
    }

    export interface OperatorRecordAsksCircuitIdFieldEvent {
      field: '$.asks[].circuitId'
      value: Uint8Array<ArrayBuffer>
      index: number
    }

    export interface OperatorRecordAsksProofSystemFieldEvent {
      field: '$.asks[].proofSystem'
      value: number
      index: number
    }

    export interface OperatorRecordAsksPriceFieldEvent {
      field: '$.asks[].price'
      value: Uint8Array<ArrayBuffer>
      index: number
    }

    export function encode (obj: Partial<OperatorRecord>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, OperatorRecord.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OperatorRecord>): OperatorRecord {
      return decodeMessage(buf, OperatorRecord.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OperatorRecord>): Generator<OperatorRecordOperatorFieldEvent | OperatorRecordPeerIdFieldEvent | OperatorRecordProofSystemsFieldEvent | OperatorRecordModuleIdsFieldEvent | OperatorRecordCapacityFieldEvent | OperatorRecordSoftwareVersionFieldEvent | OperatorRecordSeqFieldEvent | OperatorRecordIssuedAtFieldEvent | OperatorRecordSignatureFieldEvent | OperatorRecordAsksCircuitIdFieldEvent | OperatorRecordAsksProofSystemFieldEvent | OperatorRecordAsksPriceFieldEvent> {
      return streamMessage(buf, OperatorRecord.codec(), opts)
    }
  }

  export interface StandingAsk {
    circuitId: Uint8Array<ArrayBuffer>
    proofSystem: number
    price: Uint8Array<ArrayBuffer>
  }

  export namespace StandingAsk {
    let _codec: Codec<StandingAsk>

    export const codec = (): Codec<StandingAsk> => {
      if (_codec == null) {
        _codec = message<StandingAsk>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.circuitId != null && obj.circuitId.byteLength > 0)) {
            w.uint32(10)
            w.bytes(obj.circuitId)
          }

          if ((obj.proofSystem != null && obj.proofSystem !== 0)) {
            w.uint32(16)
            w.uint32(obj.proofSystem)
          }

          if ((obj.price != null && obj.price.byteLength > 0)) {
            w.uint32(26)
            w.bytes(obj.price)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            circuitId: uint8ArrayAlloc(0),
            proofSystem: 0,
            price: uint8ArrayAlloc(0)
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.circuitId = reader.bytes()
                break
              }
              case 2: {
                obj.proofSystem = reader.uint32()
                break
              }
              case 3: {
                obj.price = reader.bytes()
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }

          return obj
        }, function * (reader, length, prefix, opts = {}) {
          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                yield {
                  field: `${prefix}.circuitId`,
                  value: reader.bytes()
                }
                break
              }
              case 2: {
                yield {
                  field: `${prefix}.proofSystem`,
                  value: reader.uint32()
                }
                break
              }
              case 3: {
                yield {
                  field: `${prefix}.price`,
                  value: reader.bytes()
                }
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }
        })
      }

      return _codec
    }

    export interface StandingAskCircuitIdFieldEvent {
      field: '$.circuitId'
      value: Uint8Array<ArrayBuffer>
    }

    export interface StandingAskProofSystemFieldEvent {
      field: '$.proofSystem'
      value: number
    }

    export interface StandingAskPriceFieldEvent {
      field: '$.price'
      value: Uint8Array<ArrayBuffer>
    }

    export function encode (obj: Partial<StandingAsk>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, StandingAsk.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StandingAsk>): StandingAsk {
      return decodeMessage(buf, StandingAsk.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StandingAsk>): Generator<StandingAskCircuitIdFieldEvent | StandingAskProofSystemFieldEvent | StandingAskPriceFieldEvent> {
      return streamMessage(buf, StandingAsk.codec(), opts)
    }
  }

  export interface Task {
    requester: Uint8Array<ArrayBuffer>
    proofSystem: number
    wasmSha256: Uint8Array<ArrayBuffer>
    zkeySha256: Uint8Array<ArrayBuffer>
    vkeySha256: Uint8Array<ArrayBuffer>
    inputHash: Uint8Array<ArrayBuffer>
    inputSize: bigint
    publicSignalsHash: Uint8Array<ArrayBuffer>
    maxReward: Uint8Array<ArrayBuffer>
    penalty: Uint8Array<ArrayBuffer>
    bidDeadline: bigint
    revealDeadline: bigint
    proofWindow: number
    maxRounds: number
    stakeEpoch: bigint
    nonce: bigint
    signature: Uint8Array<ArrayBuffer>
    startPrice: Uint8Array<ArrayBuffer>
    priceStep: Uint8Array<ArrayBuffer>
    rebidWindow: number
  }

  export namespace Task {
    let _codec: Codec<Task>

    export const codec = (): Codec<Task> => {
      if (_codec == null) {
        _codec = message<Task>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.requester != null && obj.requester.byteLength > 0)) {
            w.uint32(10)
            w.bytes(obj.requester)
          }

          if ((obj.proofSystem != null && obj.proofSystem !== 0)) {
            w.uint32(16)
            w.uint32(obj.proofSystem)
          }

          if ((obj.wasmSha256 != null && obj.wasmSha256.byteLength > 0)) {
            w.uint32(26)
            w.bytes(obj.wasmSha256)
          }

          if ((obj.zkeySha256 != null && obj.zkeySha256.byteLength > 0)) {
            w.uint32(34)
            w.bytes(obj.zkeySha256)
          }

          if ((obj.vkeySha256 != null && obj.vkeySha256.byteLength > 0)) {
            w.uint32(42)
            w.bytes(obj.vkeySha256)
          }

          if ((obj.inputHash != null && obj.inputHash.byteLength > 0)) {
            w.uint32(50)
            w.bytes(obj.inputHash)
          }

          if ((obj.inputSize != null && obj.inputSize !== 0n)) {
            w.uint32(57)
            w.fixed64(obj.inputSize)
          }

          if ((obj.publicSignalsHash != null && obj.publicSignalsHash.byteLength > 0)) {
            w.uint32(66)
            w.bytes(obj.publicSignalsHash)
          }

          if ((obj.maxReward != null && obj.maxReward.byteLength > 0)) {
            w.uint32(74)
            w.bytes(obj.maxReward)
          }

          if ((obj.penalty != null && obj.penalty.byteLength > 0)) {
            w.uint32(82)
            w.bytes(obj.penalty)
          }

          if ((obj.bidDeadline != null && obj.bidDeadline !== 0n)) {
            w.uint32(89)
            w.fixed64(obj.bidDeadline)
          }

          if ((obj.revealDeadline != null && obj.revealDeadline !== 0n)) {
            w.uint32(97)
            w.fixed64(obj.revealDeadline)
          }

          if ((obj.proofWindow != null && obj.proofWindow !== 0)) {
            w.uint32(104)
            w.uint32(obj.proofWindow)
          }

          if ((obj.maxRounds != null && obj.maxRounds !== 0)) {
            w.uint32(112)
            w.uint32(obj.maxRounds)
          }

          if ((obj.stakeEpoch != null && obj.stakeEpoch !== 0n)) {
            w.uint32(121)
            w.fixed64(obj.stakeEpoch)
          }

          if ((obj.nonce != null && obj.nonce !== 0n)) {
            w.uint32(129)
            w.fixed64(obj.nonce)
          }

          if ((obj.signature != null && obj.signature.byteLength > 0)) {
            w.uint32(138)
            w.bytes(obj.signature)
          }

          if ((obj.startPrice != null && obj.startPrice.byteLength > 0)) {
            w.uint32(146)
            w.bytes(obj.startPrice)
          }

          if ((obj.priceStep != null && obj.priceStep.byteLength > 0)) {
            w.uint32(154)
            w.bytes(obj.priceStep)
          }

          if ((obj.rebidWindow != null && obj.rebidWindow !== 0)) {
            w.uint32(160)
            w.uint32(obj.rebidWindow)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            requester: uint8ArrayAlloc(0),
            proofSystem: 0,
            wasmSha256: uint8ArrayAlloc(0),
            zkeySha256: uint8ArrayAlloc(0),
            vkeySha256: uint8ArrayAlloc(0),
            inputHash: uint8ArrayAlloc(0),
            inputSize: 0n,
            publicSignalsHash: uint8ArrayAlloc(0),
            maxReward: uint8ArrayAlloc(0),
            penalty: uint8ArrayAlloc(0),
            bidDeadline: 0n,
            revealDeadline: 0n,
            proofWindow: 0,
            maxRounds: 0,
            stakeEpoch: 0n,
            nonce: 0n,
            signature: uint8ArrayAlloc(0),
            startPrice: uint8ArrayAlloc(0),
            priceStep: uint8ArrayAlloc(0),
            rebidWindow: 0
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.requester = reader.bytes()
                break
              }
              case 2: {
                obj.proofSystem = reader.uint32()
                break
              }
              case 3: {
                obj.wasmSha256 = reader.bytes()
                break
              }
              case 4: {
                obj.zkeySha256 = reader.bytes()
                break
              }
              case 5: {
                obj.vkeySha256 = reader.bytes()
                break
              }
              case 6: {
                obj.inputHash = reader.bytes()
                break
              }
              case 7: {
                obj.inputSize = reader.fixed64()
                break
              }
              case 8: {
                obj.publicSignalsHash = reader.bytes()
                break
              }
              case 9: {
                obj.maxReward = reader.bytes()
                break
              }
              case 10: {
                obj.penalty = reader.bytes()
                break
              }
              case 11: {
                obj.bidDeadline = reader.fixed64()
                break
              }
              case 12: {
                obj.revealDeadline = reader.fixed64()
                break
              }
              case 13: {
                obj.proofWindow = reader.uint32()
                break
              }
              case 14: {
                obj.maxRounds = reader.uint32()
                break
              }
              case 15: {
                obj.stakeEpoch = reader.fixed64()
                break
              }
              case 16: {
                obj.nonce = reader.fixed64()
                break
              }
              case 17: {
                obj.signature = reader.bytes()
                break
              }
              case 18: {
                obj.startPrice = reader.bytes()
                break
              }
              case 19: {
                obj.priceStep = reader.bytes()
                break
              }
              case 20: {
                obj.rebidWindow = reader.uint32()
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }

          return obj
        }, function * (reader, length, prefix, opts = {}) {
          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                yield {
                  field: `${prefix}.requester`,
                  value: reader.bytes()
                }
                break
              }
              case 2: {
                yield {
                  field: `${prefix}.proofSystem`,
                  value: reader.uint32()
                }
                break
              }
              case 3: {
                yield {
                  field: `${prefix}.wasmSha256`,
                  value: reader.bytes()
                }
                break
              }
              case 4: {
                yield {
                  field: `${prefix}.zkeySha256`,
                  value: reader.bytes()
                }
                break
              }
              case 5: {
                yield {
                  field: `${prefix}.vkeySha256`,
                  value: reader.bytes()
                }
                break
              }
              case 6: {
                yield {
                  field: `${prefix}.inputHash`,
                  value: reader.bytes()
                }
                break
              }
              case 7: {
                yield {
                  field: `${prefix}.inputSize`,
                  value: reader.fixed64()
                }
                break
              }
              case 8: {
                yield {
                  field: `${prefix}.publicSignalsHash`,
                  value: reader.bytes()
                }
                break
              }
              case 9: {
                yield {
                  field: `${prefix}.maxReward`,
                  value: reader.bytes()
                }
                break
              }
              case 10: {
                yield {
                  field: `${prefix}.penalty`,
                  value: reader.bytes()
                }
                break
              }
              case 11: {
                yield {
                  field: `${prefix}.bidDeadline`,
                  value: reader.fixed64()
                }
                break
              }
              case 12: {
                yield {
                  field: `${prefix}.revealDeadline`,
                  value: reader.fixed64()
                }
                break
              }
              case 13: {
                yield {
                  field: `${prefix}.proofWindow`,
                  value: reader.uint32()
                }
                break
              }
              case 14: {
                yield {
                  field: `${prefix}.maxRounds`,
                  value: reader.uint32()
                }
                break
              }
              case 15: {
                yield {
                  field: `${prefix}.stakeEpoch`,
                  value: reader.fixed64()
                }
                break
              }
              case 16: {
                yield {
                  field: `${prefix}.nonce`,
                  value: reader.fixed64()
                }
                break
              }
              case 17: {
                yield {
                  field: `${prefix}.signature`,
                  value: reader.bytes()
                }
                break
              }
              case 18: {
                yield {
                  field: `${prefix}.startPrice`,
                  value: reader.bytes()
                }
                break
              }
              case 19: {
                yield {
                  field: `${prefix}.priceStep`,
                  value: reader.bytes()
                }
                break
              }
              case 20: {
                yield {
                  field: `${prefix}.rebidWindow`,
                  value: reader.uint32()
                }
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }
        })
      }

      return _codec
    }

    export interface TaskRequesterFieldEvent {
      field: '$.requester'
      value: Uint8Array<ArrayBuffer>
    }

    export interface TaskProofSystemFieldEvent {
      field: '$.proofSystem'
      value: number
    }

    export interface TaskWasmSha256FieldEvent {
      field: '$.wasmSha256'
      value: Uint8Array<ArrayBuffer>
    }

    export interface TaskZkeySha256FieldEvent {
      field: '$.zkeySha256'
      value: Uint8Array<ArrayBuffer>
    }

    export interface TaskVkeySha256FieldEvent {
      field: '$.vkeySha256'
      value: Uint8Array<ArrayBuffer>
    }

    export interface TaskInputHashFieldEvent {
      field: '$.inputHash'
      value: Uint8Array<ArrayBuffer>
    }

    export interface TaskInputSizeFieldEvent {
      field: '$.inputSize'
      value: bigint
    }

    export interface TaskPublicSignalsHashFieldEvent {
      field: '$.publicSignalsHash'
      value: Uint8Array<ArrayBuffer>
    }

    export interface TaskMaxRewardFieldEvent {
      field: '$.maxReward'
      value: Uint8Array<ArrayBuffer>
    }

    export interface TaskPenaltyFieldEvent {
      field: '$.penalty'
      value: Uint8Array<ArrayBuffer>
    }

    export interface TaskBidDeadlineFieldEvent {
      field: '$.bidDeadline'
      value: bigint
    }

    export interface TaskRevealDeadlineFieldEvent {
      field: '$.revealDeadline'
      value: bigint
    }

    export interface TaskProofWindowFieldEvent {
      field: '$.proofWindow'
      value: number
    }

    export interface TaskMaxRoundsFieldEvent {
      field: '$.maxRounds'
      value: number
    }

    export interface TaskStakeEpochFieldEvent {
      field: '$.stakeEpoch'
      value: bigint
    }

    export interface TaskNonceFieldEvent {
      field: '$.nonce'
      value: bigint
    }

    export interface TaskSignatureFieldEvent {
      field: '$.signature'
      value: Uint8Array<ArrayBuffer>
    }

    export interface TaskStartPriceFieldEvent {
      field: '$.startPrice'
      value: Uint8Array<ArrayBuffer>
    }

    export interface TaskPriceStepFieldEvent {
      field: '$.priceStep'
      value: Uint8Array<ArrayBuffer>
    }

    export interface TaskRebidWindowFieldEvent {
      field: '$.rebidWindow'
      value: number
    }

    export function encode (obj: Partial<Task>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, Task.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Task>): Task {
      return decodeMessage(buf, Task.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Task>): Generator<TaskRequesterFieldEvent | TaskProofSystemFieldEvent | TaskWasmSha256FieldEvent | TaskZkeySha256FieldEvent | TaskVkeySha256FieldEvent | TaskInputHashFieldEvent | TaskInputSizeFieldEvent | TaskPublicSignalsHashFieldEvent | TaskMaxRewardFieldEvent | TaskPenaltyFieldEvent | TaskBidDeadlineFieldEvent | TaskRevealDeadlineFieldEvent | TaskProofWindowFieldEvent | TaskMaxRoundsFieldEvent | TaskStakeEpochFieldEvent | TaskNonceFieldEvent | TaskSignatureFieldEvent | TaskStartPriceFieldEvent | TaskPriceStepFieldEvent | TaskRebidWindowFieldEvent> {
      return streamMessage(buf, Task.codec(), opts)
    }
  }

  export interface BidCommit {
    taskId: Uint8Array<ArrayBuffer>
    prover: Uint8Array<ArrayBuffer>
    peerId: Uint8Array<ArrayBuffer>
    commitment: Uint8Array<ArrayBuffer>
    signature: Uint8Array<ArrayBuffer>
    auctionRound: number
  }

  export namespace BidCommit {
    let _codec: Codec<BidCommit>

    export const codec = (): Codec<BidCommit> => {
      if (_codec == null) {
        _codec = message<BidCommit>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.taskId != null && obj.taskId.byteLength > 0)) {
            w.uint32(10)
            w.bytes(obj.taskId)
          }

          if ((obj.prover != null && obj.prover.byteLength > 0)) {
            w.uint32(18)
            w.bytes(obj.prover)
          }

          if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
            w.uint32(26)
            w.bytes(obj.peerId)
          }

          if ((obj.commitment != null && obj.commitment.byteLength > 0)) {
            w.uint32(34)
            w.bytes(obj.commitment)
          }

          if ((obj.signature != null && obj.signature.byteLength > 0)) {
            w.uint32(42)
            w.bytes(obj.signature)
          }

          if ((obj.auctionRound != null && obj.auctionRound !== 0)) {
            w.uint32(48)
            w.uint32(obj.auctionRound)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            taskId: uint8ArrayAlloc(0),
            prover: uint8ArrayAlloc(0),
            peerId: uint8ArrayAlloc(0),
            commitment: uint8ArrayAlloc(0),
            signature: uint8ArrayAlloc(0),
            auctionRound: 0
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.taskId = reader.bytes()
                break
              }
              case 2: {
                obj.prover = reader.bytes()
                break
              }
              case 3: {
                obj.peerId = reader.bytes()
                break
              }
              case 4: {
                obj.commitment = reader.bytes()
                break
              }
              case 5: {
                obj.signature = reader.bytes()
                break
              }
              case 6: {
                obj.auctionRound = reader.uint32()
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }

          return obj
        }, function * (reader, length, prefix, opts = {}) {
          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                yield {
                  field: `${prefix}.taskId`,
                  value: reader.bytes()
                }
                break
              }
              case 2: {
                yield {
                  field: `${prefix}.prover`,
                  value: reader.bytes()
                }
                break
              }
              case 3: {
                yield {
                  field: `${prefix}.peerId`,
                  value: reader.bytes()
                }
                break
              }
              case 4: {
                yield {
                  field: `${prefix}.commitment`,
                  value: reader.bytes()
                }
                break
              }
              case 5: {
                yield {
                  field: `${prefix}.signature`,
                  value: reader.bytes()
                }
                break
              }
              case 6: {
                yield {
                  field: `${prefix}.auctionRound`,
                  value: reader.uint32()
                }
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }
        })
      }

      return _codec
    }

    export interface BidCommitTaskIdFieldEvent {
      field: '$.taskId'
      value: Uint8Array<ArrayBuffer>
    }

    export interface BidCommitProverFieldEvent {
      field: '$.prover'
      value: Uint8Array<ArrayBuffer>
    }

    export interface BidCommitPeerIdFieldEvent {
      field: '$.peerId'
      value: Uint8Array<ArrayBuffer>
    }

    export interface BidCommitCommitmentFieldEvent {
      field: '$.commitment'
      value: Uint8Array<ArrayBuffer>
    }

    export interface BidCommitSignatureFieldEvent {
      field: '$.signature'
      value: Uint8Array<ArrayBuffer>
    }

    export interface BidCommitAuctionRoundFieldEvent {
      field: '$.auctionRound'
      value: number
    }

    export function encode (obj: Partial<BidCommit>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, BidCommit.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BidCommit>): BidCommit {
      return decodeMessage(buf, BidCommit.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BidCommit>): Generator<BidCommitTaskIdFieldEvent | BidCommitProverFieldEvent | BidCommitPeerIdFieldEvent | BidCommitCommitmentFieldEvent | BidCommitSignatureFieldEvent | BidCommitAuctionRoundFieldEvent> {
      return streamMessage(buf, BidCommit.codec(), opts)
    }
  }

  export interface BidReveal {
    taskId: Uint8Array<ArrayBuffer>
    prover: Uint8Array<ArrayBuffer>
    peerId: Uint8Array<ArrayBuffer>
    price: Uint8Array<ArrayBuffer>
    salt: Uint8Array<ArrayBuffer>
    signature: Uint8Array<ArrayBuffer>
    auctionRound: number
  }

  export namespace BidReveal {
    let _codec: Codec<BidReveal>

    export const codec = (): Codec<BidReveal> => {
      if (_codec == null) {
        _codec = message<BidReveal>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.taskId != null && obj.taskId.byteLength > 0)) {
            w.uint32(10)
            w.bytes(obj.taskId)
          }

          if ((obj.prover != null && obj.prover.byteLength > 0)) {
            w.uint32(18)
            w.bytes(obj.prover)
          }

          if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
            w.uint32(26)
            w.bytes(obj.peerId)
          }

          if ((obj.price != null && obj.price.byteLength > 0)) {
            w.uint32(34)
            w.bytes(obj.price)
          }

          if ((obj.salt != null && obj.salt.byteLength > 0)) {
            w.uint32(42)
            w.bytes(obj.salt)
          }

          if ((obj.signature != null && obj.signature.byteLength > 0)) {
            w.uint32(50)
            w.bytes(obj.signature)
          }

          if ((obj.auctionRound != null && obj.auctionRound !== 0)) {
            w.uint32(56)
            w.uint32(obj.auctionRound)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            taskId: uint8ArrayAlloc(0),
            prover: uint8ArrayAlloc(0),
            peerId: uint8ArrayAlloc(0),
            price: uint8ArrayAlloc(0),
            salt: uint8ArrayAlloc(0),
            signature: uint8ArrayAlloc(0),
            auctionRound: 0
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.taskId = reader.bytes()
                break
              }
              case 2: {
                obj.prover = reader.bytes()
                break
              }
              case 3: {
                obj.peerId = reader.bytes()
                break
              }
              case 4: {
                obj.price = reader.bytes()
                break
              }
              case 5: {
                obj.salt = reader.bytes()
                break
              }
              case 6: {
                obj.signature = reader.bytes()
                break
              }
              case 7: {
                obj.auctionRound = reader.uint32()
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }

          return obj
        }, function * (reader, length, prefix, opts = {}) {
          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                yield {
                  field: `${prefix}.taskId`,
                  value: reader.bytes()
                }
                break
              }
              case 2: {
                yield {
                  field: `${prefix}.prover`,
                  value: reader.bytes()
                }
                break
              }
              case 3: {
                yield {
                  field: `${prefix}.peerId`,
                  value: reader.bytes()
                }
                break
              }
              case 4: {
                yield {
                  field: `${prefix}.price`,
                  value: reader.bytes()
                }
                break
              }
              case 5: {
                yield {
                  field: `${prefix}.salt`,
                  value: reader.bytes()
                }
                break
              }
              case 6: {
                yield {
                  field: `${prefix}.signature`,
                  value: reader.bytes()
                }
                break
              }
              case 7: {
                yield {
                  field: `${prefix}.auctionRound`,
                  value: reader.uint32()
                }
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }
        })
      }

      return _codec
    }

    export interface BidRevealTaskIdFieldEvent {
      field: '$.taskId'
      value: Uint8Array<ArrayBuffer>
    }

    export interface BidRevealProverFieldEvent {
      field: '$.prover'
      value: Uint8Array<ArrayBuffer>
    }

    export interface BidRevealPeerIdFieldEvent {
      field: '$.peerId'
      value: Uint8Array<ArrayBuffer>
    }

    export interface BidRevealPriceFieldEvent {
      field: '$.price'
      value: Uint8Array<ArrayBuffer>
    }

    export interface BidRevealSaltFieldEvent {
      field: '$.salt'
      value: Uint8Array<ArrayBuffer>
    }

    export interface BidRevealSignatureFieldEvent {
      field: '$.signature'
      value: Uint8Array<ArrayBuffer>
    }

    export interface BidRevealAuctionRoundFieldEvent {
      field: '$.auctionRound'
      value: number
    }

    export function encode (obj: Partial<BidReveal>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, BidReveal.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BidReveal>): BidReveal {
      return decodeMessage(buf, BidReveal.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BidReveal>): Generator<BidRevealTaskIdFieldEvent | BidRevealProverFieldEvent | BidRevealPeerIdFieldEvent | BidRevealPriceFieldEvent | BidRevealSaltFieldEvent | BidRevealSignatureFieldEvent | BidRevealAuctionRoundFieldEvent> {
      return streamMessage(buf, BidReveal.codec(), opts)
    }
  }

  export enum VoteKind {
    VOTE_KIND_UNSPECIFIED = 'VOTE_KIND_UNSPECIFIED',
    ASSIGNMENT = 'ASSIGNMENT',
    COMPLETION = 'COMPLETION',
    DEFAULT = 'DEFAULT',
    INVALID = 'INVALID',
    NON_REVEAL = 'NON_REVEAL'
  }

  enum __VoteKindValues {
    VOTE_KIND_UNSPECIFIED = 0,
    ASSIGNMENT = 1,
    COMPLETION = 2,
    DEFAULT = 3,
    INVALID = 4,
    NON_REVEAL = 5
  }

  export namespace VoteKind {
    export const codec = (): Codec<VoteKind> => {
      return enumeration<VoteKind>(__VoteKindValues)
    }
  }

  export interface Vote {
    kind: zkpool.VoteKind
    taskId: Uint8Array<ArrayBuffer>
    round: number
    prover: Uint8Array<ArrayBuffer>
    price: Uint8Array<ArrayBuffer>
    proofHash: Uint8Array<ArrayBuffer>
    attester: Uint8Array<ArrayBuffer>
    signature: Uint8Array<ArrayBuffer>
    commitment: Uint8Array<ArrayBuffer>
  }

  export namespace Vote {
    let _codec: Codec<Vote>

    export const codec = (): Codec<Vote> => {
      if (_codec == null) {
        _codec = message<Vote>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if (obj.kind != null && __VoteKindValues[obj.kind] !== 0) {
            w.uint32(8)
            zkpool.VoteKind.codec().encode(obj.kind, w)
          }

          if ((obj.taskId != null && obj.taskId.byteLength > 0)) {
            w.uint32(18)
            w.bytes(obj.taskId)
          }

          if ((obj.round != null && obj.round !== 0)) {
            w.uint32(24)
            w.uint32(obj.round)
          }

          if ((obj.prover != null && obj.prover.byteLength > 0)) {
            w.uint32(34)
            w.bytes(obj.prover)
          }

          if ((obj.price != null && obj.price.byteLength > 0)) {
            w.uint32(42)
            w.bytes(obj.price)
          }

          if ((obj.proofHash != null && obj.proofHash.byteLength > 0)) {
            w.uint32(50)
            w.bytes(obj.proofHash)
          }

          if ((obj.attester != null && obj.attester.byteLength > 0)) {
            w.uint32(58)
            w.bytes(obj.attester)
          }

          if ((obj.signature != null && obj.signature.byteLength > 0)) {
            w.uint32(66)
            w.bytes(obj.signature)
          }

          if ((obj.commitment != null && obj.commitment.byteLength > 0)) {
            w.uint32(74)
            w.bytes(obj.commitment)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            kind: VoteKind.VOTE_KIND_UNSPECIFIED,
            taskId: uint8ArrayAlloc(0),
            round: 0,
            prover: uint8ArrayAlloc(0),
            price: uint8ArrayAlloc(0),
            proofHash: uint8ArrayAlloc(0),
            attester: uint8ArrayAlloc(0),
            signature: uint8ArrayAlloc(0),
            commitment: uint8ArrayAlloc(0)
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.kind = zkpool.VoteKind.codec().decode(reader)
                break
              }
              case 2: {
                obj.taskId = reader.bytes()
                break
              }
              case 3: {
                obj.round = reader.uint32()
                break
              }
              case 4: {
                obj.prover = reader.bytes()
                break
              }
              case 5: {
                obj.price = reader.bytes()
                break
              }
              case 6: {
                obj.proofHash = reader.bytes()
                break
              }
              case 7: {
                obj.attester = reader.bytes()
                break
              }
              case 8: {
                obj.signature = reader.bytes()
                break
              }
              case 9: {
                obj.commitment = reader.bytes()
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }

          return obj
        }, function * (reader, length, prefix, opts = {}) {
          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                yield {
                  field: `${prefix}.kind`,
                  value: zkpool.VoteKind.codec().decode(reader)
                }
                break
              }
              case 2: {
                yield {
                  field: `${prefix}.taskId`,
                  value: reader.bytes()
                }
                break
              }
              case 3: {
                yield {
                  field: `${prefix}.round`,
                  value: reader.uint32()
                }
                break
              }
              case 4: {
                yield {
                  field: `${prefix}.prover`,
                  value: reader.bytes()
                }
                break
              }
              case 5: {
                yield {
                  field: `${prefix}.price`,
                  value: reader.bytes()
                }
                break
              }
              case 6: {
                yield {
                  field: `${prefix}.proofHash`,
                  value: reader.bytes()
                }
                break
              }
              case 7: {
                yield {
                  field: `${prefix}.attester`,
                  value: reader.bytes()
                }
                break
              }
              case 8: {
                yield {
                  field: `${prefix}.signature`,
                  value: reader.bytes()
                }
                break
              }
              case 9: {
                yield {
                  field: `${prefix}.commitment`,
                  value: reader.bytes()
                }
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }
        })
      }

      return _codec
    }

    export interface VoteKindFieldEvent {
      field: '$.kind'
      value: zkpool.VoteKind
    }

    export interface VoteTaskIdFieldEvent {
      field: '$.taskId'
      value: Uint8Array<ArrayBuffer>
    }

    export interface VoteRoundFieldEvent {
      field: '$.round'
      value: number
    }

    export interface VoteProverFieldEvent {
      field: '$.prover'
      value: Uint8Array<ArrayBuffer>
    }

    export interface VotePriceFieldEvent {
      field: '$.price'
      value: Uint8Array<ArrayBuffer>
    }

    export interface VoteProofHashFieldEvent {
      field: '$.proofHash'
      value: Uint8Array<ArrayBuffer>
    }

    export interface VoteAttesterFieldEvent {
      field: '$.attester'
      value: Uint8Array<ArrayBuffer>
    }

    export interface VoteSignatureFieldEvent {
      field: '$.signature'
      value: Uint8Array<ArrayBuffer>
    }

    export interface VoteCommitmentFieldEvent {
      field: '$.commitment'
      value: Uint8Array<ArrayBuffer>
    }

    export function encode (obj: Partial<Vote>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, Vote.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Vote>): Vote {
      return decodeMessage(buf, Vote.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Vote>): Generator<VoteKindFieldEvent | VoteTaskIdFieldEvent | VoteRoundFieldEvent | VoteProverFieldEvent | VotePriceFieldEvent | VoteProofHashFieldEvent | VoteAttesterFieldEvent | VoteSignatureFieldEvent | VoteCommitmentFieldEvent> {
      return streamMessage(buf, Vote.codec(), opts)
    }
  }

  export interface Certificate {
    kind: zkpool.VoteKind
    taskId: Uint8Array<ArrayBuffer>
    round: number
    prover: Uint8Array<ArrayBuffer>
    price: Uint8Array<ArrayBuffer>
    proofHash: Uint8Array<ArrayBuffer>
    attesters: Uint8Array<ArrayBuffer>[]
    signatures: Uint8Array<ArrayBuffer>[]
    commitment: Uint8Array<ArrayBuffer>
  }

  export namespace Certificate {
    let _codec: Codec<Certificate>

    export const codec = (): Codec<Certificate> => {
      if (_codec == null) {
        _codec = message<Certificate>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if (obj.kind != null && __VoteKindValues[obj.kind] !== 0) {
            w.uint32(8)
            zkpool.VoteKind.codec().encode(obj.kind, w)
          }

          if ((obj.taskId != null && obj.taskId.byteLength > 0)) {
            w.uint32(18)
            w.bytes(obj.taskId)
          }

          if ((obj.round != null && obj.round !== 0)) {
            w.uint32(24)
            w.uint32(obj.round)
          }

          if ((obj.prover != null && obj.prover.byteLength > 0)) {
            w.uint32(34)
            w.bytes(obj.prover)
          }

          if ((obj.price != null && obj.price.byteLength > 0)) {
            w.uint32(42)
            w.bytes(obj.price)
          }

          if ((obj.proofHash != null && obj.proofHash.byteLength > 0)) {
            w.uint32(50)
            w.bytes(obj.proofHash)
          }

          if (obj.attesters != null && obj.attesters.length > 0) {
            for (const value of obj.attesters) {
              w.uint32(58)
              w.bytes(value)
            }
          }

          if (obj.signatures != null && obj.signatures.length > 0) {
            for (const value of obj.signatures) {
              w.uint32(66)
              w.bytes(value)
            }
          }

          if ((obj.commitment != null && obj.commitment.byteLength > 0)) {
            w.uint32(74)
            w.bytes(obj.commitment)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            kind: VoteKind.VOTE_KIND_UNSPECIFIED,
            taskId: uint8ArrayAlloc(0),
            round: 0,
            prover: uint8ArrayAlloc(0),
            price: uint8ArrayAlloc(0),
            proofHash: uint8ArrayAlloc(0),
            attesters: [],
            signatures: [],
            commitment: uint8ArrayAlloc(0)
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.kind = zkpool.VoteKind.codec().decode(reader)
                break
              }
              case 2: {
                obj.taskId = reader.bytes()
                break
              }
              case 3: {
                obj.round = reader.uint32()
                break
              }
              case 4: {
                obj.prover = reader.bytes()
                break
              }
              case 5: {
                obj.price = reader.bytes()
                break
              }
              case 6: {
                obj.proofHash = reader.bytes()
                break
              }
              case 7: {
                if (opts.limits?.attesters != null && obj.attesters.length === opts.limits.attesters) {
                  throw new MaxLengthError('Decode error - repeated field "attesters" had too many elements')
                }

                obj.attesters.push(reader.bytes())
                break
              }
              case 8: {
                if (opts.limits?.signatures != null && obj.signatures.length === opts.limits.signatures) {
                  throw new MaxLengthError('Decode error - repeated field "signatures" had too many elements')
                }

                obj.signatures.push(reader.bytes())
                break
              }
              case 9: {
                obj.commitment = reader.bytes()
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }

          return obj
        }, function * (reader, length, prefix, opts = {}) {
          const obj = {
            attesters: 0,
            signatures: 0
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                yield {
                  field: `${prefix}.kind`,
                  value: zkpool.VoteKind.codec().decode(reader)
                }
                break
              }
              case 2: {
                yield {
                  field: `${prefix}.taskId`,
                  value: reader.bytes()
                }
                break
              }
              case 3: {
                yield {
                  field: `${prefix}.round`,
                  value: reader.uint32()
                }
                break
              }
              case 4: {
                yield {
                  field: `${prefix}.prover`,
                  value: reader.bytes()
                }
                break
              }
              case 5: {
                yield {
                  field: `${prefix}.price`,
                  value: reader.bytes()
                }
                break
              }
              case 6: {
                yield {
                  field: `${prefix}.proofHash`,
                  value: reader.bytes()
                }
                break
              }
              case 7: {
                if (opts.limits?.attesters != null && obj.attesters === opts.limits.attesters) {
                  throw new MaxLengthError('Streaming decode error - repeated field "attesters" had too many elements')
                }

                yield {
                  field: `${prefix}.attesters[]`,
                  index: obj.attesters,
                  value: reader.bytes()
                }

                obj.attesters++

                break
              }
              case 8: {
                if (opts.limits?.signatures != null && obj.signatures === opts.limits.signatures) {
                  throw new MaxLengthError('Streaming decode error - repeated field "signatures" had too many elements')
                }

                yield {
                  field: `${prefix}.signatures[]`,
                  index: obj.signatures,
                  value: reader.bytes()
                }

                obj.signatures++

                break
              }
              case 9: {
                yield {
                  field: `${prefix}.commitment`,
                  value: reader.bytes()
                }
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }
        })
      }

      return _codec
    }

    export interface CertificateKindFieldEvent {
      field: '$.kind'
      value: zkpool.VoteKind
    }

    export interface CertificateTaskIdFieldEvent {
      field: '$.taskId'
      value: Uint8Array<ArrayBuffer>
    }

    export interface CertificateRoundFieldEvent {
      field: '$.round'
      value: number
    }

    export interface CertificateProverFieldEvent {
      field: '$.prover'
      value: Uint8Array<ArrayBuffer>
    }

    export interface CertificatePriceFieldEvent {
      field: '$.price'
      value: Uint8Array<ArrayBuffer>
    }

    export interface CertificateProofHashFieldEvent {
      field: '$.proofHash'
      value: Uint8Array<ArrayBuffer>
    }

    export interface CertificateAttestersFieldEvent {
      field: '$.attesters[]'
      index: number
      value: Uint8Array<ArrayBuffer>
    }

    export interface CertificateSignaturesFieldEvent {
      field: '$.signatures[]'
      index: number
      value: Uint8Array<ArrayBuffer>
    }

    export interface CertificateCommitmentFieldEvent {
      field: '$.commitment'
      value: Uint8Array<ArrayBuffer>
    }

    export function encode (obj: Partial<Certificate>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, Certificate.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Certificate>): Certificate {
      return decodeMessage(buf, Certificate.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Certificate>): Generator<CertificateKindFieldEvent | CertificateTaskIdFieldEvent | CertificateRoundFieldEvent | CertificateProverFieldEvent | CertificatePriceFieldEvent | CertificateProofHashFieldEvent | CertificateAttestersFieldEvent | CertificateSignaturesFieldEvent | CertificateCommitmentFieldEvent> {
      return streamMessage(buf, Certificate.codec(), opts)
    }
  }

  export interface ProofSubmission {
    taskId: Uint8Array<ArrayBuffer>
    round: number
    prover: Uint8Array<ArrayBuffer>
    peerId: Uint8Array<ArrayBuffer>
    proof: Uint8Array<ArrayBuffer>
    publicSignals: Uint8Array<ArrayBuffer>[]
    signature: Uint8Array<ArrayBuffer>
  }

  export namespace ProofSubmission {
    let _codec: Codec<ProofSubmission>

    export const codec = (): Codec<ProofSubmission> => {
      if (_codec == null) {
        _codec = message<ProofSubmission>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.taskId != null && obj.taskId.byteLength > 0)) {
            w.uint32(10)
            w.bytes(obj.taskId)
          }

          if ((obj.round != null && obj.round !== 0)) {
            w.uint32(16)
            w.uint32(obj.round)
          }

          if ((obj.prover != null && obj.prover.byteLength > 0)) {
            w.uint32(26)
            w.bytes(obj.prover)
          }

          if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
            w.uint32(34)
            w.bytes(obj.peerId)
          }

          if ((obj.proof != null && obj.proof.byteLength > 0)) {
            w.uint32(42)
            w.bytes(obj.proof)
          }

          if (obj.publicSignals != null && obj.publicSignals.length > 0) {
            for (const value of obj.publicSignals) {
              w.uint32(50)
              w.bytes(value)
            }
          }

          if ((obj.signature != null && obj.signature.byteLength > 0)) {
            w.uint32(58)
            w.bytes(obj.signature)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            taskId: uint8ArrayAlloc(0),
            round: 0,
            prover: uint8ArrayAlloc(0),
            peerId: uint8ArrayAlloc(0),
            proof: uint8ArrayAlloc(0),
            publicSignals: [],
            signature: uint8ArrayAlloc(0)
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.taskId = reader.bytes()
                break
              }
              case 2: {
                obj.round = reader.uint32()
                break
              }
              case 3: {
                obj.prover = reader.bytes()
                break
              }
              case 4: {
                obj.peerId = reader.bytes()
                break
              }
              case 5: {
                obj.proof = reader.bytes()
                break
              }
              case 6: {
                if (opts.limits?.publicSignals != null && obj.publicSignals.length === opts.limits.publicSignals) {
                  throw new MaxLengthError('Decode error - repeated field "publicSignals" had too many elements')
                }

                obj.publicSignals.push(reader.bytes())
                break
              }
              case 7: {
                obj.signature = reader.bytes()
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }

          return obj
        }, function * (reader, length, prefix, opts = {}) {
          const obj = {
            publicSignals: 0
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                yield {
                  field: `${prefix}.taskId`,
                  value: reader.bytes()
                }
                break
              }
              case 2: {
                yield {
                  field: `${prefix}.round`,
                  value: reader.uint32()
                }
                break
              }
              case 3: {
                yield {
                  field: `${prefix}.prover`,
                  value: reader.bytes()
                }
                break
              }
              case 4: {
                yield {
                  field: `${prefix}.peerId`,
                  value: reader.bytes()
                }
                break
              }
              case 5: {
                yield {
                  field: `${prefix}.proof`,
                  value: reader.bytes()
                }
                break
              }
              case 6: {
                if (opts.limits?.publicSignals != null && obj.publicSignals === opts.limits.publicSignals) {
                  throw new MaxLengthError('Streaming decode error - repeated field "publicSignals" had too many elements')
                }

                yield {
                  field: `${prefix}.publicSignals[]`,
                  index: obj.publicSignals,
                  value: reader.bytes()
                }

                obj.publicSignals++

                break
              }
              case 7: {
                yield {
                  field: `${prefix}.signature`,
                  value: reader.bytes()
                }
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }
        })
      }

      return _codec
    }

    export interface ProofSubmissionTaskIdFieldEvent {
      field: '$.taskId'
      value: Uint8Array<ArrayBuffer>
    }

    export interface ProofSubmissionRoundFieldEvent {
      field: '$.round'
      value: number
    }

    export interface ProofSubmissionProverFieldEvent {
      field: '$.prover'
      value: Uint8Array<ArrayBuffer>
    }

    export interface ProofSubmissionPeerIdFieldEvent {
      field: '$.peerId'
      value: Uint8Array<ArrayBuffer>
    }

    export interface ProofSubmissionProofFieldEvent {
      field: '$.proof'
      value: Uint8Array<ArrayBuffer>
    }

    export interface ProofSubmissionPublicSignalsFieldEvent {
      field: '$.publicSignals[]'
      index: number
      value: Uint8Array<ArrayBuffer>
    }

    export interface ProofSubmissionSignatureFieldEvent {
      field: '$.signature'
      value: Uint8Array<ArrayBuffer>
    }

    export function encode (obj: Partial<ProofSubmission>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, ProofSubmission.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProofSubmission>): ProofSubmission {
      return decodeMessage(buf, ProofSubmission.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProofSubmission>): Generator<ProofSubmissionTaskIdFieldEvent | ProofSubmissionRoundFieldEvent | ProofSubmissionProverFieldEvent | ProofSubmissionPeerIdFieldEvent | ProofSubmissionProofFieldEvent | ProofSubmissionPublicSignalsFieldEvent | ProofSubmissionSignatureFieldEvent> {
      return streamMessage(buf, ProofSubmission.codec(), opts)
    }
  }

  let _codec: Codec<zkpool>

  export const codec = (): Codec<zkpool> => {
    if (_codec == null) {
      _codec = message<zkpool>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export function encode (obj: Partial<zkpool>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, zkpool.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<zkpool>): zkpool {
    return decodeMessage(buf, zkpool.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<zkpool>): Generator<{}> {
    return streamMessage(buf, zkpool.codec(), opts)
  }
}
