import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PlaybackTokens } from '../core/auth/playback-tokens.ts';
import { canView } from '../core/access/video-access.ts';
import type { Video } from '../core/model/video.ts';
import type { Authenticator } from './auth.ts';

/**
 * The check every media request of a video passes (files, keys, thumbnails): public and unlisted
 * videos are open (an unlisted video's unguessable id is its link, as its watch page is); private
 * ones need the playback token (query `token`) of THAT video, or a signed-in user allowed
 * to see it. When it fails the refusal is sent: 403 when a token was offered but is not valid for
 * this video, or the signed-in user may not watch it; 401 when there are no credentials at all.
 * Returns true when the request may go on.
 */
export async function authorizeMedia(
  deps: { playbackTokens: PlaybackTokens },
  auth: Authenticator,
  request: FastifyRequest,
  reply: FastifyReply,
  video: Video,
  token: string | null,
): Promise<boolean> {
  let authorized = canView(null, video);
  if (!authorized && token) authorized = (await deps.playbackTokens.verify(token, video.id)) !== null;
  let signedIn = false;
  if (!authorized) {
    const principal = await auth.principal(request).catch(() => null);
    signedIn = principal !== null;
    authorized = principal !== null && canView(principal, video);
  }
  if (authorized) return true;
  if (token) await reply.status(403).send({ error: { code: 'Forbidden', message: 'playback token not valid for this video' } });
  else if (signedIn) await reply.status(403).send({ error: { code: 'Forbidden', message: 'you may not watch this video' } });
  else await reply.status(401).send({ error: { code: 'Unauthorized', message: 'a playback token is required' } });
  return false;
}
