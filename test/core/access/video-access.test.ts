import { describe, expect, it } from 'vitest';
import { canManage, canView, isListed, listScope } from '../../../src/core/access/video-access.ts';
import type { Principal } from '../../../src/core/access/principal.ts';
import type { Video, Visibility } from '../../../src/core/model/video.ts';

/** The access rules for one video, without a server: who may watch, manage and list it. */
const owner: Principal = { userId: 'owner0000001', role: 'uploader', via: 'session' };
const viewer: Principal = { userId: 'viewer000001', role: 'viewer', via: 'session' };
const other: Principal = { userId: 'other0000001', role: 'uploader', via: 'token' };
const admin: Principal = { userId: 'admin0000001', role: 'admin', via: 'session' };

function video(visibility: Visibility, shares?: string[] | null): Video {
  return { id: 'video0000001', ownerId: owner.userId, visibility, shares } as Video;
}

describe('video access rules', () => {
  it('anyone with the link watches public and unlisted videos, signed in or not', () => {
    for (const p of [null, viewer, other, owner, admin]) {
      expect(canView(p, video('public'))).toBe(true);
      expect(canView(p, video('unlisted'))).toBe(true);
    }
  });

  it('private videos are for their owner and admins only; nobody else, signed in or not', () => {
    expect(canView(null, video('private'))).toBe(false);
    expect(canView(viewer, video('private'))).toBe(false);
    expect(canView(other, video('private'))).toBe(false);
    expect(canView(owner, video('private'))).toBe(true);
    expect(canView(admin, video('private'))).toBe(true);
  });

  it('watching an unlisted video does not make it listed or manageable for others', () => {
    for (const p of [viewer, other]) {
      expect(isListed(p, video('unlisted'))).toBe(false);
      expect(canManage(p, video('unlisted'))).toBe(false);
    }
    expect(canManage(null, video('unlisted'))).toBe(false);
    expect(isListed(owner, video('unlisted'))).toBe(true);
    expect(isListed(viewer, video('public'))).toBe(true);
  });

  it('a private video shared with a user: that user watches and lists it, without managing it; nobody else gains anything', () => {
    const shared = video('private', [viewer.userId!]);
    expect(canView(viewer, shared)).toBe(true);
    expect(isListed(viewer, shared)).toBe(true);
    expect(canManage(viewer, shared)).toBe(false);
    expect(canView(other, shared)).toBe(false);
    expect(isListed(other, shared)).toBe(false);
    expect(canView(null, shared)).toBe(false);
    // A principal without a user id (the bootstrap admin token aside) never matches a share.
    expect(canView({ userId: null, role: 'viewer', via: 'oidc' }, video('private', ['']))).toBe(false);
    expect(listScope(viewer)).toEqual({ visibility: ['public'], sharedWith: viewer.userId });
    expect(listScope(owner)).toEqual({ ownerId: owner.userId, visibility: ['public'], sharedWith: owner.userId });
    expect(listScope(admin)).toEqual({ all: true });
  });
});
