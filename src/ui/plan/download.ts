/** Saves text as a file through the browser's download (an object URL on a temporary link). */
export function downloadText(name: string, type: string, text: string): void {
  downloadBlob(name, new Blob([text], { type }));
}

/** Saves bytes (a `.sqlite` file) as a file through the browser's download. */
export function downloadBytes(name: string, type: string, bytes: Uint8Array): void {
  // A copy into a fresh ArrayBuffer: the bytes may be a view on a larger (or shared) buffer.
  downloadBlob(name, new Blob([bytes.slice().buffer as ArrayBuffer], { type }));
}

function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own reference by now; revoking at once can cancel it in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
