import type { Answer, Body, Operation, Query } from './api.ts';
import type { components } from './api-types.ts';

/** The shapes the client's helpers take and give: the generated types of the routes they call. */
type Schemas = components['schemas'];

/** A video as the API answers it. */
export type Video = Schemas['Video'];
/** The video with the users it is shared with: a list for those who manage it, null for others. */
export type VideoWithShares = Schemas['VideoWithShares'];
export type VideoPage = Answer<Operation<'/api/v1/videos', 'get'>>;
/** A video as lists show it. */
export type VideoListItem = VideoPage['items'][number];
export type VideoListQuery = Query<Operation<'/api/v1/videos', 'get'>>;
export type VideoChanges = Body<Operation<'/api/v1/videos/{id}', 'patch'>>;
export type CaptionTrack = Answer<Operation<'/api/v1/videos/{id}/captions', 'post'>>;
export type CaptionList = Answer<Operation<'/api/v1/videos/{id}/captions', 'get'>>;
export type NewCaption = Body<Operation<'/api/v1/videos/{id}/captions', 'post'>>;
export type CreatedUpload = Answer<Operation<'/api/v1/uploads', 'post'>>;
export type NewUpload = Body<Operation<'/api/v1/uploads', 'post'>>;
export type SignedParts = Answer<Operation<'/api/v1/uploads/{id}/parts', 'post'>>;
export type StoredParts = Answer<Operation<'/api/v1/uploads/{id}/parts', 'get'>>;
export type Visibility = Video['visibility'];
