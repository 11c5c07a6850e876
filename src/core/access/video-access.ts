import type { Video } from '../model/video.ts';
import type { Principal } from './principal.ts';

/**
 * Access rules, in one place.
 * - admin: everything.
 * - uploader: uploads; sees and changes its own videos; watches public and unlisted ones.
 * - viewer: watches public and unlisted videos.
 * - anonymous (signed out): watches public and unlisted videos.
 * Unlisted videos are watchable by anyone who has the link (the unguessable id), signed in or
 * not, but never listed to others. Private videos are for those who may manage them.
 */
export function canUpload(p: Principal | null): boolean {
  return p?.role === 'admin' || p?.role === 'uploader';
}

export function isOwner(p: Principal | null, video: Video): boolean {
  return !!p && p.userId !== null && p.userId === video.ownerId;
}

export function canManage(p: Principal | null, video: Video): boolean {
  return p?.role === 'admin' || (p?.role === 'uploader' && isOwner(p, video));
}

export function canView(p: Principal | null, video: Video): boolean {
  if (canManage(p, video)) return true;
  return video.visibility === 'public' || video.visibility === 'unlisted';
}

/**
 * Whether this principal's lists show this video (the rule of listScope, for one video): the
 * change feed tells a subscriber only about videos it lists.
 */
export function isListed(p: Principal, video: Video): boolean {
  const scope = listScope(p);
  if ('all' in scope) return true;
  return (scope.ownerId !== undefined && video.ownerId === scope.ownerId) || scope.visibility.includes(video.visibility as 'public');
}

/** What a list query may show this principal. */
export function listScope(p: Principal): { all: true } | { ownerId?: string; visibility: Array<'public'> } {
  if (p.role === 'admin') return { all: true };
  if (p.role === 'uploader' && p.userId) return { ownerId: p.userId, visibility: ['public'] };
  return { visibility: ['public'] };
}
