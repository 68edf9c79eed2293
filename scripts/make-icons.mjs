// `node scripts/make-icons.mjs`: draws the Teams app icons into appPackage/ with nothing but
// node:zlib (no image libraries):
//   color.png    192x192, full colour: two overlapping speech bubbles in teal on white
//   outline.png   32x32,  the same glyph in white on a fully transparent background
//                         (Teams accepts only white and transparency in the outline icon)
// Shapes are described in a 192-unit design space and anti-aliased by supersampling.
// The output is deterministic: running the script again gives byte-identical files.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const appPackage = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'appPackage');

// ---------------------------------------------------------------- minimal PNG encoder

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  typeAndData.copy(out, 4);
  out.writeUInt32BE(crc32(typeAndData), 8 + data.length);
  return out;
}

/** 8-bit RGBA, non-interlaced; every scanline with filter type 0 (None). */
function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: truecolour with alpha
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0;
    rgba.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------- the glyph (192-unit space)

const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

function triangle([ax, ay], [bx, by], [cx, cy]) {
  const side = (px, py, qx, qy, x, y) => (qx - px) * (y - py) - (qy - py) * (x - px);
  return (x, y) => {
    const d1 = side(ax, ay, bx, by, x, y);
    const d2 = side(bx, by, cx, cy, x, y);
    const d3 = side(cx, cy, ax, ay, x, y);
    return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
  };
}

const union = (...shapes) => (x, y) => shapes.some((s) => s(x, y));

// The back bubble (upper left, tail to the lower left) and the front bubble (lower right,
// tail to the lower right). A gap around the front bubble keeps the two apart where they overlap.
const GAP = 9;
const back = union(circle(78, 80, 52), triangle([44, 108], [26, 152], [80, 126]));
const frontParts = { cx: 120, cy: 112, r: 48, tail: [[146, 138], [170, 172], [118, 156]] };
const front = union(
  circle(frontParts.cx, frontParts.cy, frontParts.r),
  triangle(...frontParts.tail),
);
const frontWithGap = union(
  circle(frontParts.cx, frontParts.cy, frontParts.r + GAP),
  triangle(
    ...frontParts.tail.map(([x, y]) => [x + (x - frontParts.cx) * 0.12, y + (y - frontParts.cy) * 0.12]),
  ),
);

// Three dots on the front bubble: a conversation going on.
const dots = union(circle(100, 112, 7.5), circle(120, 112, 7.5), circle(140, 112, 7.5));

const TEAL = [0x0e, 0x7c, 0x78]; // back bubble, and the accent colour of the manifest
const LIGHT_TEAL = [0x4f, 0xb8, 0xad]; // front bubble
const WHITE = [0xff, 0xff, 0xff];

/**
 * Renders `layers` (bottom first; each { shape, color, alpha }) at `size` pixels with
 * `ss`x`ss` samples per pixel. `background` is an RGB colour, or null for transparency.
 */
function render(size, layers, background, ss = 8) {
  const scale = 192 / size;
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const x = (px + (sx + 0.5) / ss) * scale;
          const y = (py + (sy + 0.5) / ss) * scale;
          let color = background;
          let alpha = background ? 1 : 0;
          for (const layer of layers) {
            if (!layer.shape(x, y)) continue;
            color = layer.color;
            alpha = layer.alpha;
          }
          if (alpha > 0 && color) {
            r += color[0] * alpha;
            g += color[1] * alpha;
            b += color[2] * alpha;
          }
          a += alpha;
        }
      }
      const o = (py * size + px) * 4;
      const n = ss * ss;
      // colour un-premultiplied by the covered part; fully transparent pixels stay white so
      // the outline icon holds nothing but white and alpha
      rgba[o] = a > 0 ? Math.round(r / a) : 255;
      rgba[o + 1] = a > 0 ? Math.round(g / a) : 255;
      rgba[o + 2] = a > 0 ? Math.round(b / a) : 255;
      rgba[o + 3] = Math.round((a / n) * 255);
    }
  }
  return rgba;
}

const color = render(
  192,
  [
    { shape: back, color: TEAL, alpha: 1 },
    { shape: frontWithGap, color: WHITE, alpha: 1 },
    { shape: front, color: LIGHT_TEAL, alpha: 1 },
    { shape: dots, color: WHITE, alpha: 1 },
  ],
  WHITE,
);

// Outline: white glyph, transparent gap and dots (alpha 0 cuts them out of the white).
const outline = render(
  32,
  [
    { shape: back, color: WHITE, alpha: 1 },
    { shape: frontWithGap, color: null, alpha: 0 },
    { shape: front, color: WHITE, alpha: 1 },
    { shape: dots, color: null, alpha: 0 },
  ],
  null,
);

writeFileSync(path.join(appPackage, 'color.png'), encodePng(192, 192, color));
writeFileSync(path.join(appPackage, 'outline.png'), encodePng(32, 32, outline));
console.log(`wrote ${path.join(appPackage, 'color.png')} and ${path.join(appPackage, 'outline.png')}`);
