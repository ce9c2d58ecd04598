/**
 * A response body of at most `maxBytes`: a larger declared length is refused before reading,
 * and reading stops (and the stream is cancelled) as soon as the limit is passed — a remote
 * server can never make us buffer more. `tooLarge` builds the caller's own error.
 */
export async function readCapped(
  response: Response,
  maxBytes: number,
  tooLarge: (declaredBytes: number | null) => Error,
): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(declared);
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(null);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
