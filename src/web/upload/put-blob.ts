/** One signed PUT with XMLHttpRequest, for its upload progress events. */

export class TransferError extends Error {
  constructor(
    message: string,
    /** 0 = no answer (network down, connection reset). */
    readonly status: number,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'TransferError';
  }
}

export class TransferAborted extends Error {
  constructor() {
    super('aborted');
    this.name = 'TransferAborted';
  }
}

export interface PutHandle {
  /** Resolves with the response's ETag (quotes kept), or '' when there is none. */
  done: Promise<string>;
  abort(): void;
}

export function putBlob(
  request: { url: string; headers: Record<string, string> },
  body: Blob,
  onProgress: (loaded: number) => void,
): PutHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<string>((resolve, reject) => {
    xhr.open('PUT', request.url);
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(body.size);
        resolve(xhr.getResponseHeader('ETag') ?? '');
        return;
      }
      // 403 is most often an expired signature: signing again and retrying fixes it.
      const retryable = xhr.status >= 500 || xhr.status === 403 || xhr.status === 408 || xhr.status === 429;
      reject(new TransferError(serverMessage(xhr) ?? `The storage server answered ${xhr.status}.`, xhr.status, retryable));
    };
    xhr.onerror = () => reject(new TransferError('The connection was lost.', 0, true));
    xhr.ontimeout = () => reject(new TransferError('The upload timed out.', 0, true));
    xhr.onabort = () => reject(new TransferAborted());
    xhr.send(body);
  });
  return { done, abort: () => xhr.abort() };
}

function serverMessage(xhr: XMLHttpRequest): string | null {
  try {
    const json = JSON.parse(xhr.responseText) as { error?: { message?: string } };
    return json.error?.message ?? null;
  } catch {
    const m = /<Message>([^<]*)<\/Message>/.exec(xhr.responseText ?? '');
    return m ? m[1] : null;
  }
}
