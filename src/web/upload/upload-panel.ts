import { api, type Video } from '../api.ts';
import { h, icon, ICONS, replaceChildren } from '../dom.ts';
import { formatBytes, formatSpeed, formatTimeLeft } from '../format.ts';
import { discardRemembered, FileUpload, type UploadState } from './file-upload.ts';
import { findResumable, listResumable, type ResumeRecord } from './resume-store.ts';

/** Files uploading at once; more wait their turn. */
const PARALLEL_FILES = 2;

export interface UploadListener {
  /** A video was created or finished uploading: show it in the library. */
  onVideo(video: Video): void;
  /** An upload was cancelled: its video no longer exists. */
  onRemoved(videoId: string): void;
}

export interface UploadPanel {
  /** Placed on the library page; uploads keep going while it is not on screen. */
  element: HTMLElement;
  listen(listener: UploadListener): () => void;
  destroy(): void;
}

/**
 * The upload area: a drop zone (also accepting drops anywhere on the page), a file picker for one
 * or several files, one row per file with progress, speed and time left, and the unfinished
 * uploads of earlier visits, which continue when the same file is picked again. One panel lives
 * as long as the signed-in session, so uploads go on while the user watches something else.
 */
export function uploadPanel(): UploadPanel {
  const uploads: FileUpload[] = [];
  const listeners = new Set<UploadListener>();
  const options: UploadListener = {
    onVideo: (video) => listeners.forEach((l) => l.onVideo(video)),
    onRemoved: (id) => listeners.forEach((l) => l.onRemoved(id)),
  };
  const input = h('input', { type: 'file', id: 'file-input', class: 'visually-hidden', multiple: true, accept: 'video/*,audio/*,.mkv,.mov,.mts,.m2ts,.ts,.flv' });
  const list = h('ul', { class: 'upload-list', 'aria-label': 'Uploads' });
  const remembered = h('div', { class: 'remembered' });
  const zone = h(
    'label',
    { class: 'dropzone', for: 'file-input' },
    icon(ICONS.upload, 'icon dropzone-icon'),
    h(
      'span',
      { class: 'dropzone-title' },
      h('span', { class: 'drop-words' }, 'Drop videos here, or ', h('span', { class: 'link-like' }, 'choose files')),
      h('span', { class: 'tap-words link-like' }, 'Choose videos to upload'),
    ),
    h('span', { class: 'dropzone-hint' }, 'MP4, MOV, MKV, WebM and other video or audio files. Large files can be resumed if the connection drops.'),
  );
  const element = h('section', { class: 'uploader', 'aria-label': 'Upload videos' }, input, zone, remembered, list);

  const addFiles = (files: Iterable<File>) => {
    for (const file of files) {
      const upload = new FileUpload(file);
      uploads.push(upload);
      list.prepend(uploadRow(upload, () => remove(upload)));
      let announced: string | null = null;
      upload.onChange((state) => {
        if (state.video && (announced !== state.video.id || state.phase === 'done')) {
          announced = state.video.id;
          options.onVideo(state.video);
        }
        if (state.phase === 'cancelled' && state.video) options.onRemoved(state.video.id);
        if (upload.finished) {
          pump();
          renderRemembered();
        }
      });
    }
    pump();
    renderRemembered();
  };

  const remove = (upload: FileUpload) => {
    const i = uploads.indexOf(upload);
    if (i >= 0) uploads.splice(i, 1);
  };

  /** Starts waiting uploads while fewer than PARALLEL_FILES are busy. */
  const pump = () => {
    const busy = uploads.filter((u) => !u.finished && u.state.phase !== 'waiting').length;
    let free = PARALLEL_FILES - busy;
    for (const upload of uploads) {
      if (free <= 0) break;
      if (upload.state.phase === 'waiting') {
        free--;
        void upload.start();
      }
    }
  };

  const renderRemembered = () => {
    const active = new Set(uploads.filter((u) => !u.finished).map((u) => u.state.video?.id));
    const records = listResumable().filter((r) => !active.has(r.videoId) && !uploads.some((u) => !u.finished && findResumable(u.file)?.videoId === r.videoId));
    replaceChildren(remembered, ...records.map((r) => rememberedRow(r, () => input.click(), renderRemembered)));
  };

  input.addEventListener('change', () => {
    if (input.files?.length) addFiles([...input.files]);
    input.value = '';
  });

  // Drag and drop: the zone lights up; a drop anywhere on the page is taken as an upload.
  let depth = 0;
  const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files');
  // Files dropped elsewhere than the library page are not opened by the browser (and not uploaded).
  const onDragEnter = (e: DragEvent) => {
    if (!hasFiles(e) || !element.isConnected) return;
    depth++;
    zone.classList.add('dragging');
  };
  const onDragLeave = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) zone.classList.remove('dragging');
  };
  const onDragOver = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
  };
  const onDrop = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    zone.classList.remove('dragging');
    if (element.isConnected && e.dataTransfer?.files.length) addFiles([...e.dataTransfer.files]);
  };
  window.addEventListener('dragenter', onDragEnter);
  window.addEventListener('dragleave', onDragLeave);
  window.addEventListener('dragover', onDragOver);
  window.addEventListener('drop', onDrop);

  // Leaving the page pauses uploads; they resume when the same files are picked again.
  const onBeforeUnload = (e: BeforeUnloadEvent) => {
    if (uploads.some((u) => !u.finished)) e.preventDefault();
  };
  window.addEventListener('beforeunload', onBeforeUnload);

  renderRemembered();
  return {
    element,
    listen(listener) {
      listeners.add(listener);
      renderRemembered();
      return () => listeners.delete(listener);
    },
    destroy() {
      for (const upload of uploads) upload.abandon();
      window.removeEventListener('dragenter', onDragEnter);
      window.removeEventListener('dragleave', onDragLeave);
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
      window.removeEventListener('beforeunload', onBeforeUnload);
    },
  };
}

function uploadRow(upload: FileUpload, onDismiss: () => void): HTMLLIElement {
  const name = upload.file.name;
  const bar = h('div', { class: 'progress-fill' });
  const progress = h('div', { class: 'progress', role: 'progressbar', 'aria-label': `Upload progress of ${name}`, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 }, bar);
  const meta = h('p', { class: 'upload-meta' });
  const message = h('p', { class: 'upload-message' });
  const actions = h('div', { class: 'upload-actions' });
  const row = h(
    'li',
    { class: 'upload-row', 'data-phase': 'waiting', 'data-file': name },
    h('div', { class: 'upload-head' }, h('span', { class: 'upload-name', title: name }, name), actions),
    progress,
    meta,
    message,
  );
  const dismiss = () => {
    onDismiss();
    row.remove();
  };
  const button = (label: string, text: string, onclick: () => void, kind = 'btn-ghost') =>
    h('button', { class: `btn btn-small ${kind}`, type: 'button', 'aria-label': `${label} ${name}`, onclick }, text);

  let lastPhase = '';
  let frame = 0;
  const draw = (state: UploadState) => {
    frame = 0;
    const pct = state.total > 0 ? Math.min(100, (state.loaded / state.total) * 100) : 0;
    row.dataset.phase = state.phase;
    if (state.video) row.dataset.videoId = state.video.id;
    bar.style.width = `${pct.toFixed(1)}%`;
    progress.setAttribute('aria-valuenow', String(Math.round(pct)));
    meta.textContent = metaText(state, pct);
    message.textContent = state.message;
    message.hidden = !state.message;
    if (state.phase === lastPhase) return;
    lastPhase = state.phase;
    const buttons: HTMLElement[] = [];
    if (['waiting', 'checking', 'uploading', 'paused'].includes(state.phase)) buttons.push(button('Cancel upload of', 'Cancel', () => void upload.cancel()));
    if (state.phase === 'paused') buttons.unshift(button('Resume upload of', 'Resume now', () => void upload.run(), 'btn-primary'));
    if (state.phase === 'failed') buttons.push(button('Try again to upload', 'Try again', () => void upload.run(), 'btn-primary'));
    if (['refused', 'failed', 'cancelled', 'done'].includes(state.phase)) buttons.push(button('Dismiss', 'Dismiss', dismiss));
    replaceChildren(actions, ...buttons);
    if (state.phase === 'done' || state.phase === 'cancelled') setTimeout(dismiss, state.phase === 'done' ? 5000 : 2500);
  };
  // Progress events come faster than the screen refreshes: draw at most once a frame.
  upload.onChange((state) => {
    if (state.phase !== lastPhase) return draw(state);
    if (!frame) frame = requestAnimationFrame(() => draw(upload.state));
  });
  draw(upload.state);
  return row;
}

function metaText(state: UploadState, pct: number): string {
  const sizes = `${formatBytes(state.loaded)} of ${formatBytes(state.total)}`;
  switch (state.phase) {
    case 'waiting':
      return `Waiting · ${formatBytes(state.total)}`;
    case 'checking':
      return 'Checking the file…';
    case 'refused':
      return 'Not uploaded';
    case 'uploading': {
      const parts = [`${Math.floor(pct)}%`, sizes];
      if (state.resumedBytes > 0) parts.push('resumed');
      if (state.speed > 0) parts.push(formatSpeed(state.speed));
      const left = formatTimeLeft(state.secondsLeft);
      if (left) parts.push(left);
      return parts.join(' · ');
    }
    case 'paused':
      return `Paused at ${Math.floor(pct)}% · ${sizes}`;
    case 'finishing':
      return 'Finishing…';
    case 'done':
      return `Uploaded ${formatBytes(state.total)}${state.resumedBytes > 0 ? ' (resumed)' : ''} · processing starts now`;
    case 'cancelled':
      return 'Cancelled';
    case 'failed':
      return `Stopped at ${Math.floor(pct)}%`;
  }
}

function rememberedRow(record: ResumeRecord, pick: () => void, refresh: () => void): HTMLElement {
  const status = h('span', { class: 'remembered-status' }, 'not finished');
  void api
    .listParts(record.videoId, record.uploadId)
    .then(({ parts }) => {
      const sent = parts.reduce((sum, p) => sum + p.size, 0);
      status.textContent = `${Math.floor((sent / record.size) * 100)}% sent`;
    })
    .catch(() => {
      status.textContent = 'no longer on the server';
    });
  return h(
    'div',
    { class: 'remembered-row', role: 'group', 'aria-label': `Unfinished upload of ${record.name}` },
    icon(ICONS.alert, 'icon remembered-icon'),
    h(
      'p',
      { class: 'remembered-text' },
      h('strong', {}, record.name),
      ' (',
      formatBytes(record.size),
      ', ',
      status,
      ') did not finish. Choose the same file again to continue where it stopped.',
    ),
    h(
      'div',
      { class: 'upload-actions' },
      h('button', { class: 'btn btn-small btn-primary', type: 'button', onclick: pick }, 'Choose file'),
      h(
        'button',
        {
          class: 'btn btn-small btn-ghost',
          type: 'button',
          'aria-label': `Discard unfinished upload of ${record.name}`,
          onclick: () => void discardRemembered(record).then(refresh),
        },
        'Discard',
      ),
    ),
  );
}
