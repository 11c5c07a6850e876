import type { Video } from '../model/video.ts';
import type { Principal } from './principal.ts';

/**
 * Access rules, in one place.
 * - admin: everything.
 * - uploader: uploads; sees and changes its own videos; watches public and unlisted ones.
 * - viewer: watches public and unlisted videos.
 * - anonymous (signed out): watches public and unlisted videos.
 * Unlisted videos are watchable by anyone who has the link (the unguessable id), signed in or
 * not, but never listed to others. Private videos are for those who may manage them and the users
 * the owner shared them with (`shares`), whose lists show them.
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
  return video.visibility === 'public' || video.visibility === 'unlisted' || isSharedWith(p, video);
}

/** Whether the owner shared this video with this signed-in user. */
export function isSharedWith(p: Principal | null, video: Video): boolean {
  return !!p?.userId && (video.shares ?? []).includes(p.userId);
}

/**
 * Whether this principal's lists show this video (the rule of listScope, for one video): the
 * change feed tells a subscriber only about videos it lists.
 */
export function isListed(p: Principal, video: Video): boolean {
  const scope = listScope(p);
  if ('all' in scope) return true;
  return (
    (scope.ownerId !== undefined && video.ownerId === scope.ownerId) ||
    scope.visibility.includes(video.visibility as 'public') ||
    (scope.sharedWith !== undefined && isSharedWith(p, video))
  );
}

/** What a list query may show this principal: its own videos, public ones and those shared with it. */
export function listScope(p: Principal): { all: true } | { ownerId?: string; visibility: Array<'public'>; sharedWith?: string } {
  if (p.role === 'admin') return { all: true };
  const shared = p.userId ? { sharedWith: p.userId } : {};
  if (p.role === 'uploader' && p.userId) return { ownerId: p.userId, visibility: ['public'], ...shared };
  return { visibility: ['public'], ...shared };
}
