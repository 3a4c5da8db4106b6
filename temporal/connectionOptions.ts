// How mlcycle reaches a Temporal that asks for TLS, mTLS or an API key: the `tls`/`apiKey` of Connection.connect and NativeConnection.connect.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';

/** The payload codec's data converter from MLCYCLE_CODEC_KEYS / _FILE, for callers that build a client beside the connection. */
export { temporalDataConverter } from './codec.js';

/** Spread into `Connection.connect({ address, ...security })` and `NativeConnection.connect({ address, ...security })`. */
export interface TemporalSecurity {
  /** A TLS config; `false` = plaintext even with an API key; absent = plaintext. */
  tls?: TLSConfig | false;
  apiKey?: string;
}

/** Explicit values (the cluster tests, other programs). A PEM comes as a path or as its text, never both. */
export interface TemporalSecurityValues {
  apiKey?: string;
  /** true → TLS; false → plaintext, also with an API key; undefined → TLS when an API key or any TLS value is given. */
  tls?: boolean;
  clientCertPath?: string;
  clientCertData?: string;
  clientKeyPath?: string;
  clientKeyData?: string;
  serverCaPath?: string;
  serverCaData?: string;
  /** The name the server's certificate carries, when the address's host is not it (SNI and the host-name check). */
  serverName?: string;
  disableHostVerification?: boolean;
}

type Field = keyof TemporalSecurityValues;

export class TemporalConnectionError extends Error {
  override name = 'TemporalConnectionError';
}

/**
 * The Temporal CLI's and the SDKs' environment configuration names (temporal CLI 1.5 `implied-env`, envconfig), with the
 * older names the CLI still reads (TEMPORAL_TLS_CERT, _KEY, _CA and their _DATA) as aliases.
 */
const ENV: Record<Field, readonly string[]> = {
  apiKey: ['TEMPORAL_API_KEY'],
  tls: ['TEMPORAL_TLS'],
  clientCertPath: ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CERT'],
  clientCertData: ['TEMPORAL_TLS_CLIENT_CERT_DATA', 'TEMPORAL_TLS_CERT_DATA'],
  clientKeyPath: ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_KEY'],
  clientKeyData: ['TEMPORAL_TLS_CLIENT_KEY_DATA', 'TEMPORAL_TLS_KEY_DATA'],
  serverCaPath: ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_CA'],
  serverCaData: ['TEMPORAL_TLS_SERVER_CA_CERT_DATA', 'TEMPORAL_TLS_CA_DATA'],
  serverName: ['TEMPORAL_TLS_SERVER_NAME'],
  disableHostVerification: ['TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'],
};

/** Every variable temporalConnectionOptions reads. */
export const TEMPORAL_SECURITY_ENV = Object.values(ENV).flat();

function boolVar(name: string, raw: string): boolean {
  const v = raw.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new TemporalConnectionError(`${name} must be true or false, got "${raw}"`);
}

/** The options from the environment; a variable and its older alias set to different values is an error. */
export function temporalConnectionOptions(env: NodeJS.ProcessEnv = process.env): TemporalSecurity {
  const values: Record<string, string | boolean> = {};
  const names = {} as Record<Field, string>;
  for (const [field, vars] of Object.entries(ENV) as [Field, readonly string[]][]) {
    const given = vars.filter((v) => env[v]);
    names[field] = given[0] ?? vars[0];
    if (given.length === 0) continue;
    const distinct = new Set(given.map((v) => env[v]));
    if (distinct.size > 1) throw new TemporalConnectionError(`${given.join(' and ')} are both set, to different values: set one`);
    const raw = env[given[0]]!;
    values[field] = field === 'tls' || field === 'disableHostVerification' ? boolVar(given[0], raw) : raw;
  }
  return temporalSecurity(values as TemporalSecurityValues, names);
}

function readPem(pathName: string, path: string | undefined, dataName: string, data: string | undefined): Buffer | undefined {
  if (path && data) throw new TemporalConnectionError(`set ${pathName} or ${dataName}, not both`);
  if (data) return Buffer.from(data, 'utf8');
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TemporalConnectionError(`${pathName} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a PEM file' : (err as Error).message}`);
  }
}

function certificate(pem: Buffer, name: string): X509Certificate {
  let cert: X509Certificate;
  try {
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM block');
    cert = new X509Certificate(pem);
  } catch {
    throw new TemporalConnectionError(`${name} is not a PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  if (Date.parse(cert.validTo) < Date.now()) throw new TemporalConnectionError(`the certificate in ${name} (${cert.subject.replace(/\n/g, ', ')}) expired on ${cert.validTo}`);
  return cert;
}

function privateKey(pem: Buffer, name: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new TemporalConnectionError(`${name} is not a PEM private key (-----BEGIN PRIVATE KEY-----), or it is encrypted`);
  }
}

const OPTION_NAMES = Object.fromEntries(Object.keys(ENV).map((k) => [k, k])) as Record<Field, string>;

/**
 * The connection options from explicit values; every mistake is an error naming the value (`names`: the variables they
 * came from). Temporal Cloud: an API key needs TLS (the default here with a key; the system's roots verify Cloud's
 * certificate, no CA needed), with the regional endpoint (`<region>.<cloud>.api.temporal.io:7233`) and namespace
 * `<namespace>.<account>`; a namespace set up for mTLS takes a client certificate pair instead, at
 * `<namespace>.<account>.tmprl.cloud:7233`. A self-hosted server with TLS usually needs the CA (its certificates are
 * rarely signed by a public root) and, behind a proxy or on an IP address, the server name.
 */
export function temporalSecurity(values: TemporalSecurityValues, names: Record<Field, string> = OPTION_NAMES): TemporalSecurity {
  const v = values;
  if (v.disableHostVerification) {
    throw new TemporalConnectionError(`${names.disableHostVerification}: the TypeScript SDK cannot skip the server's host-name check; set ${names.serverName} to the name its certificate carries`);
  }
  const tlsFields = (['clientCertPath', 'clientCertData', 'clientKeyPath', 'clientKeyData', 'serverCaPath', 'serverCaData', 'serverName'] as const).filter((f) => v[f]);
  if (v.tls === false && tlsFields.length > 0) {
    throw new TemporalConnectionError(`${names.tls} is false but ${tlsFields.map((f) => names[f]).join(', ')} ${tlsFields.length > 1 ? 'are' : 'is'} set: TLS values need TLS; remove one or the other`);
  }
  const crtPem = readPem(names.clientCertPath, v.clientCertPath, names.clientCertData, v.clientCertData);
  const keyPem = readPem(names.clientKeyPath, v.clientKeyPath, names.clientKeyData, v.clientKeyData);
  const caPem = readPem(names.serverCaPath, v.serverCaPath, names.serverCaData, v.serverCaData);
  const crtName = v.clientCertData ? names.clientCertData : names.clientCertPath;
  const keyName = v.clientKeyData ? names.clientKeyData : names.clientKeyPath;
  if (crtPem && !keyPem) throw new TemporalConnectionError(`${crtName} is set without its private key: set ${names.clientKeyPath} (or ${names.clientKeyData}) too`);
  if (keyPem && !crtPem) throw new TemporalConnectionError(`${keyName} is set without its certificate: set ${names.clientCertPath} (or ${names.clientCertData}) too`);
  let clientCertPair: TLSConfig['clientCertPair'];
  if (crtPem && keyPem) {
    const cert = certificate(crtPem, crtName);
    if (!cert.checkPrivateKey(privateKey(keyPem, keyName))) throw new TemporalConnectionError(`the key in ${keyName} does not belong to the certificate in ${crtName}`);
    clientCertPair = { crt: crtPem, key: keyPem };
  }
  if (caPem) certificate(caPem, v.serverCaData ? names.serverCaData : names.serverCaPath);
  if (v.apiKey !== undefined && v.apiKey.trim() === '') throw new TemporalConnectionError(`${names.apiKey} is empty`);

  const security: TemporalSecurity = {};
  if (v.apiKey) security.apiKey = v.apiKey;
  if (v.tls === false) security.tls = false;
  else if (v.tls === true || tlsFields.length > 0 || v.apiKey) {
    security.tls = {
      ...(v.serverName ? { serverNameOverride: v.serverName } : {}),
      ...(caPem ? { serverRootCACertificate: caPem } : {}),
      ...(clientCertPair ? { clientCertPair } : {}),
    };
  }
  return security;
}
