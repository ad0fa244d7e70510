import { timingSafeEqual } from 'node:crypto';
import { type Actor, TetherError } from '@tether/core';
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | undefined;
  }
}

/** Resolves a bearer token to its actor, or null when the token is unknown or revoked. */
export type TokenVerifier = (token: string) => Promise<Actor | null>;

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The bootstrap admin token from config first, then tokens stored in the database. */
export function tokenVerifier(adminToken: string, stored: TokenVerifier): TokenVerifier {
  return async (token) => (safeEqual(token, adminToken) ? { type: 'token', name: 'admin' } : stored(token));
}

export function bearerOf(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** preHandler for /api/v1: 401 without a valid token, and the actor on the request otherwise. */
export function requireToken(verify: TokenVerifier) {
  return async (req: FastifyRequest): Promise<void> => {
    const token = bearerOf(req);
    if (!token) throw new TetherError('unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
    const actor = await verify(token);
    if (!actor) throw new TetherError('unauthorized', 'invalid or revoked token');
    req.actor = actor;
  };
}

export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new TetherError('unauthorized', 'not authenticated');
  return req.actor;
}
