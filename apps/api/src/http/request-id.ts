import type { IncomingMessage } from 'node:http';
import { newId } from '@tether/core';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honour a caller's X-Request-Id when it is sane, so ids correlate across hops. */
export function genRequestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string' && SAFE_ID.test(given)) return given;
  return newId('request');
}
