export { MediaConvertEncodeBackend, type MediaConvertEncodeBackendOptions } from './mediaconvert-encode-backend.ts';
export { MediaConvertMediaProbe, type MediaConvertMediaProbeOptions } from './mediaconvert-media-probe.ts';
export { createJobRequest, type JobSettingsOptions, type S3Locations } from './mediaconvert-job-settings.ts';
export { parseJobStateEvent, PERMANENT_ERROR_CODES, type JobStateEventOptions, type JobStateReading } from './job-state-event.ts';
