// A small PNG decoder on node:zlib, enough to check the Teams app icons: 8-bit greyscale,
// RGB, palette, grey+alpha and RGBA images, non-interlaced, any scanline filter. Checks the
// signature and every chunk's CRC. Pixels come back as 8-bit RGBA.
import { inflateSync } from 'node:zlib';

export interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** width * height * 4 bytes: R, G, B, A */
  rgba: Buffer;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Bytes per pixel of the 8-bit colour types. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(file: Buffer): DecodedPng {
  if (file.length < 8 || !file.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let width = 0;
  let height = 0;
  let bitDepth = 0;
  let colorType = -1;
  let palette: Buffer | undefined;
  let transparency: Buffer | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  for (let off = 8; off < file.length && !ended; ) {
    if (off + 12 > file.length) throw new Error('truncated chunk');
    const length = file.readUInt32BE(off);
    const type = file.toString('latin1', off + 4, off + 8);
    if (off + 12 + length > file.length) throw new Error(`truncated ${type} chunk`);
    const data = file.subarray(off + 8, off + 8 + length);
    const crc = file.readUInt32BE(off + 8 + length);
    if (crc32(file.subarray(off + 4, off + 8 + length)) !== crc) throw new Error(`bad CRC in ${type} chunk`);
    switch (type) {
      case 'IHDR':
        width = data.readUInt32BE(0);
        height = data.readUInt32BE(4);
        bitDepth = data[8];
        colorType = data[9];
        if (data[10] !== 0 || data[11] !== 0) throw new Error('unknown compression or filter method');
        if (data[12] !== 0) throw new Error('interlaced PNGs are not supported');
        break;
      case 'PLTE':
        palette = data;
        break;
      case 'tRNS':
        transparency = data;
        break;
      case 'IDAT':
        idat.push(data);
        break;
      case 'IEND':
        ended = true;
        break;
      default:
        break; // ancillary chunks (gAMA, sRGB, tEXt, ...) do not change the pixels we compare
    }
    off += 12 + length;
  }
  if (!ended) throw new Error('no IEND chunk');
  if (width === 0 || height === 0) throw new Error('no IHDR chunk');
  const channels = CHANNELS[colorType];
  if (bitDepth !== 8 || channels === undefined) {
    throw new Error(`unsupported PNG format: bit depth ${bitDepth}, colour type ${colorType}`);
  }
  if (colorType === 3 && !palette) throw new Error('palette image without PLTE chunk');

  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== (stride + 1) * height) throw new Error('image data has the wrong length');
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      const x = raw[src + i];
      const a = i >= channels ? pixels[row + i - channels] : 0;
      const b = y > 0 ? pixels[row - stride + i] : 0;
      const c = y > 0 && i >= channels ? pixels[row - stride + i - channels] : 0;
      let value: number;
      switch (filter) {
        case 0: value = x; break;
        case 1: value = x + a; break;
        case 2: value = x + b; break;
        case 3: value = x + ((a + b) >> 1); break;
        case 4: value = x + paeth(a, b, c); break;
        default: throw new Error(`unknown filter type ${filter} in row ${y}`);
      }
      pixels[row + i] = value & 0xff;
    }
  }

  const rgba = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    const o = p * 4;
    switch (colorType) {
      case 0: // greyscale; tRNS names one grey level (16-bit) as transparent
        rgba.fill(pixels[s], o, o + 3);
        rgba[o + 3] = transparency?.length === 2 && transparency.readUInt16BE(0) === pixels[s] ? 0 : 255;
        break;
      case 2: // RGB; tRNS names one colour (3 x 16-bit) as transparent
        pixels.copy(rgba, o, s, s + 3);
        rgba[o + 3] =
          transparency?.length === 6 &&
          transparency.readUInt16BE(0) === pixels[s] &&
          transparency.readUInt16BE(2) === pixels[s + 1] &&
          transparency.readUInt16BE(4) === pixels[s + 2]
            ? 0
            : 255;
        break;
      case 3: {
        const index = pixels[s];
        if (!palette || index * 3 + 2 >= palette.length) throw new Error(`palette index ${index} out of range`);
        palette.copy(rgba, o, index * 3, index * 3 + 3);
        rgba[o + 3] = transparency && index < transparency.length ? transparency[index] : 255;
        break;
      }
      case 4:
        rgba.fill(pixels[s], o, o + 3);
        rgba[o + 3] = pixels[s + 1];
        break;
      default: // 6
        pixels.copy(rgba, o, s, s + 4);
    }
  }
  return { width, height, bitDepth, colorType, rgba };
}
