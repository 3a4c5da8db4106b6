// temporal.api.common.v1.Payload in protobuf wire format (metadata = 1: map<string, bytes>, data = 2), for code that must not import Temporal.
import { ProtoWriter } from '../onnx/protobuf.js';
import { parseMessage, lengthDelimited, ProtoError } from '../onnx/protoReader.js';
import type { PayloadSerializer, PlainPayload } from './payloadEnvelope.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function encode(payload: PlainPayload): Uint8Array {
  const w = new ProtoWriter();
  for (const [key, value] of Object.entries(payload.metadata ?? {})) {
    w.message(1, new ProtoWriter().string(1, key).bytes(2, value).finish());
  }
  if (payload.data && payload.data.length > 0) w.bytes(2, payload.data);
  return w.finish();
}

/** Fields other than metadata and data (external_payloads = 3, or anything newer) are refused, never dropped. */
function decode(bytes: Uint8Array): PlainPayload {
  const metadata: Record<string, Uint8Array> = {};
  let data = new Uint8Array(0);
  for (const f of parseMessage(bytes)) {
    if (f.field === 1) {
      let key = '';
      let value = new Uint8Array(0);
      for (const e of parseMessage(lengthDelimited(f, 'Payload.metadata'))) {
        if (e.field === 1) key = utf8.decode(lengthDelimited(e, 'Payload.metadata key'));
        else if (e.field === 2) value = lengthDelimited(e, 'Payload.metadata value').slice();
      }
      metadata[key] = value;
    } else if (f.field === 2) {
      data = lengthDelimited(f, 'Payload.data').slice();
    } else {
      throw new ProtoError(`Payload field ${f.field}${f.field === 3 ? ' (external_payloads)' : ''} is not supported here`);
    }
  }
  return { metadata, data };
}

export const payloadProto: PayloadSerializer = { encode, decode };
