// A database connection that the server ends while it is checked out of the pool: the holder gets an error, the process lives on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestStack, type TestStack } from './harness.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(() => stack?.stop());

test('a checked-out connection terminated by the server (a restart, a failover) fails its next query instead of crashing the process', async () => {
  // Unhandled, the client's 'error' event would end a serving replica or a worker; here it is caught to be counted.
  const uncaught: string[] = [];
  const hear = (err: Error) => uncaught.push(err.message);
  process.on('uncaughtException', hear);
  const client = await stack.db.connect();
  const { pid } = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0];
  await stack.db.query('SELECT pg_terminate_backend($1)', [pid]);
  await sleep(300); // the socket's end arrives: pg emits 'error' on the client, which no caller is listening to
  process.off('uncaughtException', hear);
  assert.deepEqual(uncaught, [], 'no error escaped as an unhandled event');
  await assert.rejects(client.query('SELECT 1'), /terminat|not queryable|ended/i);
  client.release(true);
  assert.equal((await stack.db.query<{ one: number }>('SELECT 1 AS one')).rows[0].one, 1, 'the pool hands out a fresh connection');
});
