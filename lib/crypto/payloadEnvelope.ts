// One Temporal payload sealed in another: {encoding: binary/encrypted, encryption-key-id} around the encrypted serialized original.
import { PayloadDecryptError, type PayloadCipher } from './payloadCipher.js';

/** A payload as Temporal's protobuf has it (structurally the SDK's `Payload`), without importing Temporal. */
export interface PlainPayload {
  metadata?: Record<string, Uint8Array> | null;
  data?: Uint8Array | null;
}

/** Turns a payload into bytes and back: the SDK's protobuf in the worker, payloadProto.ts where Temporal is not imported. */
export interface PayloadSerializer {
  encode(payload: PlainPayload): Uint8Array;
  decode(bytes: Uint8Array): PlainPayload;
}

export const ENCODING_METADATA = 'encoding';
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const utf8 = new TextEncoder();
const text = new TextDecoder();

export function sealPayload(cipher: PayloadCipher, payload: PlainPayload, serializer: PayloadSerializer): PlainPayload {
  const { keyId, data } = cipher.encrypt(serializer.encode(payload));
  return { metadata: { [ENCODING_METADATA]: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(keyId) }, data };
}

export function isSealed(payload: PlainPayload): boolean {
  const encoding = payload.metadata?.[ENCODING_METADATA];
  return encoding !== undefined && text.decode(encoding) === ENCRYPTED_ENCODING;
}

/** The original of a sealed payload; a payload that is not sealed (recorded before the codec was on) comes back as it is. */
export function openPayload(cipher: PayloadCipher, payload: PlainPayload, serializer: PayloadSerializer): PlainPayload {
  if (!isSealed(payload)) return payload;
  const keyBytes = payload.metadata?.[KEY_ID_METADATA];
  if (!keyBytes || keyBytes.length === 0) throw new PayloadDecryptError('malformed', '', `an encrypted payload has no "${KEY_ID_METADATA}" metadata`);
  const keyId = text.decode(keyBytes);
  const plain = cipher.decrypt(keyId, payload.data ?? new Uint8Array(0));
  try {
    return serializer.decode(plain);
  } catch (err) {
    throw new PayloadDecryptError('malformed', keyId, `an encrypted payload (key id "${keyId}") decrypted to something that is not a payload: ${(err as Error).message}`);
  }
}
