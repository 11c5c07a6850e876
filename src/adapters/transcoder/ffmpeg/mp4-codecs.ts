import { open } from 'node:fs/promises';

/**
 * RFC 6381 codec strings read from an fMP4 init segment: "avc1.PPCCLL" from the avcC box
 * (profile, constraint flags, level) and "mp4a.40.N" from the esds box (N = AAC audio object type).
 */
export async function codecsOfInitSegment(path: string): Promise<string[]> {
  const handle = await open(path, 'r');
  let bytes: Buffer;
  try {
    // An init segment is a few hundred bytes to a few KiB; never read more than 1 MiB.
    const buffer = Buffer.alloc(Math.min((await handle.stat()).size, 1024 * 1024));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    bytes = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const codecs: string[] = [];
  const avc = avcCodec(bytes);
  if (avc) codecs.push(avc);
  const aac = aacCodec(bytes);
  if (aac) codecs.push(aac);
  return codecs;
}

/** Offset of the payload of the first box of this type whose size field is plausible, or -1. */
function findBox(bytes: Buffer, type: string): number {
  const tag = Buffer.from(type, 'latin1');
  let at = bytes.indexOf(tag);
  while (at >= 4) {
    const size = bytes.readUInt32BE(at - 4);
    if (size >= 8 && at - 4 + size <= bytes.length) return at + 4;
    at = bytes.indexOf(tag, at + 1);
  }
  return -1;
}

export function avcCodec(bytes: Buffer): string | null {
  const p = findBox(bytes, 'avcC');
  if (p < 0 || p + 4 > bytes.length) return null;
  // configurationVersion, AVCProfileIndication, profile_compatibility, AVCLevelIndication
  const hex = (n: number): string => n.toString(16).padStart(2, '0');
  return `avc1.${hex(bytes[p + 1])}${hex(bytes[p + 2])}${hex(bytes[p + 3])}`;
}

export function aacCodec(bytes: Buffer): string | null {
  const p = findBox(bytes, 'esds');
  if (p < 0) return null;
  let i = p + 4; // version and flags
  const readDescriptor = (): { tag: number; length: number; body: number } | null => {
    if (i >= bytes.length) return null;
    const tag = bytes[i++];
    let length = 0;
    for (let k = 0; k < 4 && i < bytes.length; k++) {
      const b = bytes[i++];
      length = (length << 7) | (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    return { tag, length, body: i };
  };
  const es = readDescriptor();
  if (!es || es.tag !== 0x03) return null;
  const flags = bytes[i + 2];
  i += 3; // ES_ID, flags
  if (flags & 0x80) i += 2; // dependsOn_ES_ID
  if (flags & 0x40) i += 1 + bytes[i]; // URL
  if (flags & 0x20) i += 2; // OCR_ES_Id
  const config = readDescriptor();
  if (!config || config.tag !== 0x04) return null;
  const objectType = bytes[i];
  i += 13; // objectTypeIndication, streamType, bufferSizeDB, maxBitrate, avgBitrate
  if (objectType !== 0x40) return `mp4a.${objectType.toString(16)}`;
  const specific = readDescriptor();
  if (!specific || specific.tag !== 0x05 || i >= bytes.length) return 'mp4a.40.2';
  let aot = bytes[i] >> 3;
  if (aot === 31 && i + 1 < bytes.length) aot = 32 + (((bytes[i] & 0x07) << 3) | (bytes[i + 1] >> 5));
  return `mp4a.40.${aot}`;
}
