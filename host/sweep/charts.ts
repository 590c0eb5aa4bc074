import { esc, FONT, legend } from '../profile/svg.ts';

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];

export interface XySeries {
  name: string;
  color: string;
  /** x, y and the tooltip of each point */
  points: Array<{ x: number; y: number; title: string }>;
}

/**
 * Lines through points on linear axes, each point labelled with its y value (so the figures can be
 * read off the page, not only hovered). Plain SVG, no scripts.
 */
export function xyChart(series: XySeries[], o: { xMin: number; xMax: number; yMin: number; yMax: number; xLabel: string; yLabel: string; fmtX: (v: number) => string; fmtY: (v: number) => string; xTicks?: number[]; width?: number; height?: number; valueLabels?: boolean }): string {
  const width = o.width ?? 860;
  const height = o.height ?? 320;
  const l = 60;
  const r = 24;
  const t = 14;
  const bottom = 42;
  const pw = width - l - r;
  const ph = height - t - bottom;
  const X = (x: number) => l + (pw * (x - o.xMin)) / (o.xMax - o.xMin || 1);
  const Y = (y: number) => t + ph - (ph * (y - o.yMin)) / (o.yMax - o.yMin || 1);
  const parts: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const yv = o.yMin + ((o.yMax - o.yMin) * i) / 5;
    parts.push(`<line x1="${l}" y1="${Y(yv).toFixed(1)}" x2="${l + pw}" y2="${Y(yv).toFixed(1)}" stroke="#e5e7eb"/><text x="${l - 6}" y="${(Y(yv) + 4).toFixed(1)}" font-size="10" fill="#666" text-anchor="end" ${FONT}>${esc(o.fmtY(yv))}</text>`);
  }
  const xTicks = o.xTicks ?? Array.from({ length: 6 }, (_, i) => o.xMin + ((o.xMax - o.xMin) * i) / 5);
  for (const xv of xTicks) parts.push(`<line x1="${X(xv).toFixed(1)}" y1="${t}" x2="${X(xv).toFixed(1)}" y2="${t + ph}" stroke="#f1f5f9"/><text x="${X(xv).toFixed(1)}" y="${t + ph + 14}" font-size="10" fill="#666" text-anchor="middle" ${FONT}>${esc(o.fmtX(xv))}</text>`);
  parts.push(`<line x1="${l}" y1="${t + ph}" x2="${l + pw}" y2="${t + ph}" stroke="#9ca3af"/>`);
  for (const s of series) {
    if (!s.points.length) continue;
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"><title>${esc(s.name)}</title></path>`);
    for (const p of pts) {
      parts.push(`<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="3.5" fill="${s.color}"><title>${esc(p.title)}</title></circle>`);
      if (o.valueLabels !== false && pts.length <= 30) parts.push(`<text x="${X(p.x).toFixed(1)}" y="${(Y(p.y) - 7).toFixed(1)}" font-size="10" fill="${s.color}" text-anchor="middle" ${FONT}>${esc(o.fmtY(p.y))}</text>`);
    }
  }
  parts.push(`<text x="${l + pw / 2}" y="${height - 20}" font-size="11" fill="#555" text-anchor="middle" ${FONT}>${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${t + ph / 2}) rotate(-90)" font-size="11" fill="#555" text-anchor="middle" ${FONT}>${esc(o.yLabel)}</text>`);
  // legend under the plot
  const lg = legend(series, l, height, pw);
  const h = height + lg.height - 8;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" role="img">${parts.join('')}${lg.svg}</svg>`;
}
