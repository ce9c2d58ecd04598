/**
 * Draws the app actors' avatars and headers as PNG (Mastodon drops SVG avatars):
 * `node shared/src/dev/generate-actor-images.ts` writes shared/static/img/actors/<app>.png
 * (400×400, the site's rose mark on the app's colour) and <app>-header.png (1500×500). The
 * files are committed; run this again only to change the design.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { APP_NAMES, type AppName } from '../config/app-names.ts';

/** Each app's colour (the blog's is the favicon's rose). */
export const APP_COLOURS: Record<AppName, [number, number, number]> = {
  blog: [0xb8, 0x47, 0x6b],
  market: [0x4f, 0x7a, 0x3a],
  cart: [0xb0, 0x6a, 0x1f],
  events: [0x3d, 0x6a, 0xa8],
  federation: [0x6b, 0x4f, 0xa0],
  account: [0x2f, 0x7f, 0x7a],
};

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An RGBA image as PNG (8-bit, no filtering: flat artwork compresses well regardless). */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The favicon's petal (`M16 8c3 2 5 5 5 8a5 5 0 0 1-10 0c0-3 2-6 5-8z`) as a polygon, 32-unit box. */
function petal(): [number, number][] {
  const points: [number, number][] = [];
  const bezier = (p: number[][], steps = 24) => {
    for (let i = 0; i <= steps; i++) {
      const t = i / steps;
      const u = 1 - t;
      const x =
        u ** 3 * p[0]![0]! + 3 * u * u * t * p[1]![0]! + 3 * u * t * t * p[2]![0]! + t ** 3 * p[3]![0]!;
      const y =
        u ** 3 * p[0]![1]! + 3 * u * u * t * p[1]![1]! + 3 * u * t * t * p[2]![1]! + t ** 3 * p[3]![1]!;
      points.push([x, y]);
    }
  };
  bezier([
    [16, 8],
    [19, 10],
    [21, 13],
    [21, 16],
  ]);
  for (let i = 1; i < 24; i++) {
    const a = (i / 24) * Math.PI;
    points.push([16 + 5 * Math.cos(a), 16 + 5 * Math.sin(a)]);
  }
  bezier([
    [11, 16],
    [11, 13],
    [13, 10],
    [16, 8],
  ]);
  return points;
}

function inside(polygon: [number, number][], x: number, y: number): boolean {
  let hit = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/**
 * Draws with 4×4 supersampling: `shade(x, y)` in image pixels returns the colour (with alpha)
 * at that point.
 */
function draw(width: number, height: number, shade: (x: number, y: number) => number[]): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  const n = 4;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = shade(x + (sx + 0.5) / n, y + (sy + 0.5) / n);
          const alpha = c[3]! / 255;
          sum[0]! += c[0]! * alpha;
          sum[1]! += c[1]! * alpha;
          sum[2]! += c[2]! * alpha;
          sum[3]! += alpha;
        }
      }
      const a = sum[3]! / (n * n);
      const i = (y * width + x) * 4;
      out[i] = a ? Math.round(sum[0]! / sum[3]!) : 0;
      out[i + 1] = a ? Math.round(sum[1]! / sum[3]!) : 0;
      out[i + 2] = a ? Math.round(sum[2]! / sum[3]!) : 0;
      out[i + 3] = Math.round(a * 255);
    }
  }
  return out;
}

const WHITE = [255, 255, 255, 255];

/** The mark (disc and petal) of `size` pixels, centred at (cx, cy); null outside it. */
function mark(colour: number[], cx: number, cy: number, size: number) {
  const shape = petal();
  return (x: number, y: number): number[] | null => {
    const u = ((x - cx) / size) * 32 + 16;
    const v = ((y - cy) / size) * 32 + 16;
    if ((u - 16) ** 2 + (v - 16) ** 2 > 14 * 14) return null;
    return inside(shape, u, v) ? WHITE : colour;
  };
}

export function avatarPng(app: AppName): Buffer {
  const colour = [...APP_COLOURS[app], 255];
  const size = 400;
  // The disc fills the square edge to edge (Mastodon crops avatars to a circle or rounded square).
  const drawMark = mark(colour, size / 2, size / 2, (size * 32) / 28);
  return encodePng(
    size,
    size,
    draw(size, size, (x, y) => drawMark(x, y) ?? colour),
  );
}

export function headerPng(app: AppName): Buffer {
  const [r, g, b] = APP_COLOURS[app];
  const width = 1500;
  const height = 500;
  const drawMark = mark([255, 255, 255, 60], width - 260, height / 2, 420);
  const pixels = draw(width, height, (x, y) => {
    const onMark = drawMark(x, y);
    // A soft left-to-right lightening of the app's colour.
    const k = 0.78 + 0.22 * (x / width);
    const base = [
      Math.round(r * k + 255 * (1 - k) * 0.35),
      Math.round(g * k + 255 * (1 - k) * 0.35),
      Math.round(b * k + 255 * (1 - k) * 0.35),
      255,
    ];
    if (!onMark || onMark === WHITE) return base;
    const a = onMark[3]! / 255;
    return [0, 1, 2].map((i) => Math.round(base[i]! * (1 - a) + 255 * a)).concat(255);
  });
  return encodePng(width, height, pixels);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = join(import.meta.dirname, '../../static/img/actors');
  mkdirSync(dir, { recursive: true });
  for (const app of APP_NAMES) {
    writeFileSync(join(dir, `${app}.png`), avatarPng(app));
    writeFileSync(join(dir, `${app}-header.png`), headerPng(app));
  }
  process.stdout.write(`actor images written to ${dir}\n`);
}
