// The payload codec of every mlcycle client and worker: each payload sealed with AES-256-GCM under a key id (lib/crypto).
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { readCodecKeys, type PayloadCipher } from '../lib/crypto/payloadCipher.js';
import { openPayload, sealPayload, type PayloadSerializer } from '../lib/crypto/payloadEnvelope.js';

const ProtoPayload = proto.temporal.api.common.v1.Payload;

/** The SDK's own protobuf for the sealed original, so every field it knows survives the round trip. */
const sdkSerializer: PayloadSerializer = {
  encode: (payload) => ProtoPayload.encode(payload).finish(),
  decode: (bytes) => ProtoPayload.decode(bytes),
};

/**
 * encode: every payload → {metadata: {encoding: binary/encrypted, encryption-key-id: <id>}, data: IV ‖ ciphertext ‖ tag}.
 * decode: sealed payloads are opened with the key their id names; others (recorded before the codec was on) pass through.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(readonly cipher: PayloadCipher) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => sealPayload(this.cipher, p, sdkSerializer) as Payload);
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => openPayload(this.cipher, p, sdkSerializer) as Payload);
  }
}

/** The data converter for clients and workers: the codec when keys are configured, else undefined (the SDK's default). */
export function dataConverter(cipher: PayloadCipher | null | undefined): DataConverter | undefined {
  return cipher ? { payloadCodecs: [new EncryptionCodec(cipher)] } : undefined;
}

/** The data converter from MLCYCLE_CODEC_KEYS or MLCYCLE_CODEC_KEYS_FILE (undefined when neither is set). */
export function temporalDataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  return dataConverter(readCodecKeys(env));
}
