import { describe, expect, it } from 'vitest';
import { canManage, canView, isListed } from '../../../src/core/access/video-access.ts';
import type { Principal } from '../../../src/core/access/principal.ts';
import type { Video, Visibility } from '../../../src/core/model/video.ts';

/** The access rules for one video, without a server: who may watch, manage and list it. */
const owner: Principal = { userId: 'owner0000001', role: 'uploader', via: 'session' };
const viewer: Principal = { userId: 'viewer000001', role: 'viewer', via: 'session' };
const other: Principal = { userId: 'other0000001', role: 'uploader', via: 'token' };
const admin: Principal = { userId: 'admin0000001', role: 'admin', via: 'session' };

function video(visibility: Visibility): Video {
  return { id: 'video0000001', ownerId: owner.userId, visibility } as Video;
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
});
