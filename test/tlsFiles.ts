// Throwaway PEM files made with the machine's openssl: a CA, a server and a client certificate it signed, an expired one.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TlsFiles {
  caCert: string;
  caKey: string;
  /** For localhost and 127.0.0.1. */
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Self-signed, valid 2020-01-01 to 2020-01-02. */
  expiredCert: string;
  expiredKey: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Writes the files into `dir` (which must exist); about 0.2 s. */
export function makeTlsFiles(dir: string): TlsFiles {
  const f = (name: string): string => join(dir, name);
  openssl(dir, ['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=mlcycle test CA']);
  const signed = (name: string, subject: string, extra: string[]): void => {
    openssl(dir, ['req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject, ...extra]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-copy_extensions', 'copyall']);
  };
  signed('server', '/CN=localhost', ['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
  // An X.509 v3 certificate (an extension makes it one): the SDK's Rust core refuses v1 client certificates.
  signed('client', '/CN=mlcycle-worker', ['-addext', 'extendedKeyUsage=clientAuth']);
  // openssl 3.0's req/x509 take no start date: `ca -selfsign` does.
  writeFileSync(f('ca.cnf'), ['[ca]', 'default_ca = t', '[t]', 'database = index.txt', 'new_certs_dir = .', 'serial = serial', 'default_md = sha256', 'policy = p', '[p]', 'commonName = supplied', ''].join('\n'));
  writeFileSync(f('index.txt'), '');
  writeFileSync(f('serial'), '01\n');
  openssl(dir, ['req', '-new', ...EC, '-keyout', 'expired.key', '-out', 'expired.csr', '-subj', '/CN=expired']);
  openssl(dir, ['ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-keyfile', 'expired.key', '-in', 'expired.csr', '-out', 'expired.pem', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-notext']);
  return {
    caCert: f('ca.pem'), caKey: f('ca.key'), serverCert: f('server.pem'), serverKey: f('server.key'),
    clientCert: f('client.pem'), clientKey: f('client.key'), expiredCert: f('expired.pem'), expiredKey: f('expired.key'),
  };
}
