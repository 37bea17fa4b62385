import type { FastifyInstance } from 'fastify';
import type { Role } from '../../src/db/schema.js';
import { createUser } from '../../src/features/users/users.service.js';

export const PASSWORD = 'correct-horse-battery';
let seq = 0;

export interface TestUser {
  id: number;
  name: string;
  email: string;
  password: string;
  role: Role;
}

export async function makeUser(app: FastifyInstance, over: Partial<Omit<TestUser, 'id'>> = {}): Promise<TestUser> {
  seq += 1;
  const u = { name: over.name ?? `User ${seq}`, email: over.email ?? `user${seq}-${Date.now()}@example.test`, password: over.password ?? PASSWORD, role: over.role ?? 'rep' };
  const id = await createUser(app.db, null, u);
  return { id, ...u };
}
