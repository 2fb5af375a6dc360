import { AppError } from './errors.ts';
import type { Principal } from './jwt.ts';

/** Who may call a route: a user (not an admin), an admin, the user named in the path (or an admin), anyone signed in. */
export type Access = { kind: 'user' } | { kind: 'admin' } | { kind: 'self'; param: string } | { kind: 'any' };

const notYours = () => new AppError('FORBIDDEN', "Not allowed to act on another user's resources");

/**
 * The authorization rules, without HTTP: 403 unless `principal` may call a route of `access`. `pathParam` is the
 * raw text of the path parameter `self` names, compared before validation so that a user probing someone else's
 * malformed id still gets 403.
 */
export function assertAccess(principal: Principal, access: Access, pathParam?: string): void {
  const isAdmin = principal.role === 'admin';
  if (access.kind === 'user' && isAdmin) throw new AppError('FORBIDDEN', 'Admins do not buy or claim coupons');
  if (access.kind === 'admin' && !isAdmin) throw new AppError('FORBIDDEN', 'Admin role required');
  if (access.kind === 'self' && !isAdmin && pathParam !== principal.sub) throw notYours();
}

/** Throws 403 unless the principal owns the resource or is an admin. */
export function assertOwner(principal: Principal, ownerId: number): void {
  if (principal.role !== 'admin' && principal.userId !== ownerId) throw notYours();
}
