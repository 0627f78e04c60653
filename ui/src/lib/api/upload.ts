/**
 * Uploading a file as an asset, with progress. `fetch` cannot report upload progress, so
 * this one request uses XMLHttpRequest; it is typed from the same OpenAPI operation.
 */

import { CSRF_HEADER, csrfToken } from './csrf';
import { ApiError, isProblem } from './problems';
import type { paths } from './schema';

type Created = paths['/api/v1/assets']['post']['responses']['201']['content']['application/json'];

export interface Upload {
  done: Promise<Created>;
  abort: () => void;
}

export function uploadAsset(file: File, onProgress: (fraction: number) => void): Upload {
  const request = new XMLHttpRequest();
  const done = new Promise<Created>((resolve, reject) => {
    request.open('POST', '/api/v1/assets');
    request.responseType = 'json';
    request.withCredentials = true;
    const token = csrfToken();
    if (token) request.setRequestHeader(CSRF_HEADER, token);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      const body: unknown = request.response;
      if (request.status === 201) {
        onProgress(1);
        resolve(body as Created);
      } else {
        reject(
          new ApiError(request.status, isProblem(body) ? body : null, `Upload refused (${request.status}).`),
        );
      }
    };
    request.onerror = () => reject(new TypeError('Failed to upload'));
    request.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    const form = new FormData();
    form.append('file', file, file.name);
    request.send(form);
  });
  return { done, abort: () => request.abort() };
}
