// Who gives a command, as the audit log records it: the API token's subject over HTTP; on a local CLI the OS user, self-declared.
import { userInfo } from 'node:os';

/** The local CLI's actor: the OS account running it (not an environment variable), marked as unverified. */
export function cliActor(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = `uid-${process.getuid?.() ?? 'unknown'}`;
  }
  return `os:${name} (self-declared)`;
}

/** The HTTP API's actor: the authenticated token's subject; a service without tokens (loopback only) says so. */
export function httpActor(subject: string): string {
  return subject === 'anonymous' ? 'anonymous (the API runs without tokens)' : `token:${subject}`;
}
