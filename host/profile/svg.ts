/**
 * Small SVG chart builders for the HTML report: plain strings, no libraries, no scripts, so the
 * report opens offline anywhere. Every shape carries a <title> (the browser shows it as a tooltip).
 */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface Segment {
  name: string;
  value: number;
  color: string;
  /** tooltip text; default: name and formatted value */
  title?: string;
}

export interface BarRow {
  label: string;
  segments: Segment[];
  note?: string;
}

export const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"';

function niceMax(x: number): number {
  if (!(x > 0)) return 1;
  const e = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * e >= x) return m * e;
  return 10 * e;
}

/** A legend that wraps its items into rows of `width`, starting at (x, y); returns its SVG and height. */
export function legend(items: Array<{ name: string; color: string }>, x: number, y: number, width: number): { svg: string; height: number } {
  let cx = x;
  let cy = y;
  const parts: string[] = [];
  for (const it of items) {
    const w = 18 + it.name.length * 6.6 + 14;
    if (cx + w > x + width) {
      cx = x;
      cy += 18;
    }
    parts.push(`<rect x="${cx}" y="${cy - 9}" width="11" height="11" rx="2" fill="${it.color}"/><text x="${cx + 15}" y="${cy}" font-size="11" fill="#444" ${FONT}>${esc(it.name)}</text>`);
    cx += w;
  }
  return { svg: parts.join(''), height: cy - y + 18 };
}

/** Horizontal stacked bars, one row per label, a shared linear axis. */
export function stackedBars(rows: BarRow[], opts: { width?: number; fmt: (v: number) => string; axisLabel: string }): string {
  const width = opts.width ?? 860;
  const labelW = 190;
  const valueW = 96;
  const plotW = width - labelW - valueW - 20;
  const rowH = 26;
  const top = 10;
  const names: Array<{ name: string; color: string }> = [];
  for (const r of rows) for (const s of r.segments) if (!names.some((n) => n.name === s.name)) names.push({ name: s.name, color: s.color });
  const max = niceMax(Math.max(0, ...rows.map((r) => r.segments.reduce((a, s) => a + s.value, 0))));
  const parts: string[] = [];
  const plotH = rows.length * rowH;
  parts.push(...xGrid(labelW, plotW, top, plotH, max, opts.fmt));
  rows.forEach((r, i) => {
    const y = top + i * rowH + 4;
    parts.push(`<text x="${labelW - 8}" y="${y + 13}" font-size="12" fill="#222" text-anchor="end" ${FONT}>${esc(r.label)}</text>`);
    let x = labelW;
    let total = 0;
    for (const s of r.segments) {
      const w = (plotW * s.value) / max;
      total += s.value;
      if (w <= 0) continue;
      parts.push(`<rect x="${x.toFixed(2)}" y="${y}" width="${Math.max(0.5, w).toFixed(2)}" height="${rowH - 8}" fill="${s.color}"><title>${esc(`${r.label}: ${s.title ?? `${s.name} ${opts.fmt(s.value)}`}`)}</title></rect>`);
      x += w;
    }
    parts.push(`<text x="${x + 6}" y="${y + 13}" font-size="11" fill="#333" ${FONT}>${esc(r.note ?? opts.fmt(total))}</text>`);
  });
  parts.push(`<text x="${labelW + plotW / 2}" y="${top + plotH + 30}" font-size="11" fill="#555" text-anchor="middle" ${FONT}>${esc(opts.axisLabel)}</text>`);
  const lg = legend(names, labelW, top + plotH + 50, plotW + valueW);
  const height = top + plotH + 50 + lg.height;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">${parts.join('')}${lg.svg}</svg>`;
}

/** Grouped horizontal bars: for each category, one bar per series. */
export function groupedBars(categories: string[], series: Array<{ name: string; color: string; values: number[] }>, opts: { width?: number; fmt: (v: number) => string; axisLabel: string }): string {
  const width = opts.width ?? 860;
  const labelW = 120;
  const valueW = 90;
  const plotW = width - labelW - valueW - 20;
  const barH = 11;
  const gap = 10;
  const groupH = series.length * barH + gap;
  const top = 10;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const parts: string[] = [];
  const plotH = categories.length * groupH;
  parts.push(...xGrid(labelW, plotW, top, plotH, max, opts.fmt));
  categories.forEach((c, ci) => {
    const y0 = top + ci * groupH;
    parts.push(`<text x="${labelW - 8}" y="${y0 + (series.length * barH) / 2 + 4}" font-size="12" fill="#222" text-anchor="end" ${FONT}>${esc(c)}</text>`);
    series.forEach((s, si) => {
      const v = s.values[ci] ?? 0;
      const w = (plotW * v) / max;
      const y = y0 + si * barH;
      parts.push(`<rect x="${labelW}" y="${y}" width="${Math.max(v > 0 ? 0.5 : 0, w).toFixed(2)}" height="${barH - 2}" fill="${s.color}"><title>${esc(`${c}, ${s.name}: ${opts.fmt(v)}`)}</title></rect>`);
      if (v > 0) parts.push(`<text x="${labelW + w + 4}" y="${y + 8}" font-size="9" fill="#555" ${FONT}>${esc(opts.fmt(v))}</text>`);
    });
  });
  parts.push(`<text x="${labelW + plotW / 2}" y="${top + plotH + 30}" font-size="11" fill="#555" text-anchor="middle" ${FONT}>${esc(opts.axisLabel)}</text>`);
  const lg = legend(series, labelW, top + plotH + 50, plotW + valueW);
  const height = top + plotH + 50 + lg.height;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">${parts.join('')}${lg.svg}</svg>`;
}

/** A line chart with points; x and y linear. */
export function lineChart(series: Array<{ name: string; color: string; points: Array<[number, number]> }>, opts: { width?: number; height?: number; xLabel: string; yLabel: string; yMin?: number; yMax?: number; fmtY: (v: number) => string }): string {
  const width = opts.width ?? 860;
  const height = opts.height ?? 300;
  const l = 60;
  const r = 20;
  const t = 12;
  const bottom = 40;
  const pw = width - l - r;
  const ph = height - t - bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const xMax = niceMax(Math.max(1, ...xs));
  const yMin = opts.yMin ?? 0;
  const yMax = opts.yMax ?? niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[1]))));
  const X = (x: number) => l + (pw * x) / xMax;
  const Y = (y: number) => t + ph - (ph * (y - yMin)) / (yMax - yMin || 1);
  const parts: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const yv = yMin + ((yMax - yMin) * i) / 5;
    parts.push(`<line x1="${l}" y1="${Y(yv)}" x2="${l + pw}" y2="${Y(yv)}" stroke="#e5e7eb"/><text x="${l - 6}" y="${Y(yv) + 4}" font-size="10" fill="#666" text-anchor="end" ${FONT}>${esc(opts.fmtY(yv))}</text>`);
    const xv = (xMax * i) / 5;
    parts.push(`<text x="${X(xv)}" y="${t + ph + 14}" font-size="10" fill="#666" text-anchor="middle" ${FONT}>${Math.round(xv)}</text>`);
  }
  parts.push(`<line x1="${l}" y1="${t + ph}" x2="${l + pw}" y2="${t + ph}" stroke="#9ca3af"/>`);
  for (const s of series) {
    if (!s.points.length) continue;
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"><title>${esc(s.name)}</title></path>`);
    if (s.points.length <= 60) for (const p of s.points) parts.push(`<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="2.5" fill="${s.color}"><title>${esc(`${s.name}: ${opts.fmtY(p[1])} after ${p[0]} samples`)}</title></circle>`);
  }
  parts.push(`<text x="${l + pw / 2}" y="${height - 22}" font-size="11" fill="#555" text-anchor="middle" ${FONT}>${esc(opts.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${t + ph / 2}) rotate(-90)" font-size="11" fill="#555" text-anchor="middle" ${FONT}>${esc(opts.yLabel)}</text>`);
  const lg = legend(series, l, height - 4, pw);
  const h = height + lg.height;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" role="img">${parts.join('')}${lg.svg}</svg>`;
}

/** A Gantt chart: rows of [start, end) intervals on a shared time axis. */
export function gantt(rows: Array<{ label: string; items: Array<{ start: number; end: number; color: string; title: string; text?: string }> }>, opts: { width?: number; end: number; fmt: (v: number) => string; axisLabel: string; marks?: number[] }): string {
  const width = opts.width ?? 860;
  const labelW = 80;
  const pw = width - labelW - 20;
  const rowH = 22;
  const top = 8;
  const ph = rows.length * rowH;
  const X = (v: number) => labelW + (pw * v) / (opts.end || 1);
  const parts: string[] = [];
  for (const m of opts.marks ?? []) parts.push(`<line x1="${X(m).toFixed(2)}" y1="${top}" x2="${X(m).toFixed(2)}" y2="${top + ph}" stroke="#d1d5db" stroke-dasharray="2,2"/>`);
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    parts.push(`<text x="${labelW - 8}" y="${y + 15}" font-size="11" fill="#222" text-anchor="end" ${FONT}>${esc(r.label)}</text>`);
    for (const it of r.items) {
      const w = X(it.end) - X(it.start);
      parts.push(`<rect x="${X(it.start).toFixed(2)}" y="${y + 3}" width="${Math.max(0.5, w - 1).toFixed(2)}" height="${rowH - 6}" rx="2" fill="${it.color}"><title>${esc(it.title)}</title></rect>`);
      if (it.text && w > it.text.length * 6 + 4) parts.push(`<text x="${(X(it.start) + w / 2).toFixed(1)}" y="${y + 15}" font-size="9" fill="#fff" text-anchor="middle" ${FONT}>${esc(it.text)}</text>`);
    }
  });
  for (let i = 0; i <= 5; i++) {
    const v = (opts.end * i) / 5;
    parts.push(`<text x="${X(v)}" y="${top + ph + 14}" font-size="10" fill="#666" text-anchor="middle" ${FONT}>${esc(opts.fmt(v))}</text>`);
  }
  parts.push(`<text x="${labelW + pw / 2}" y="${top + ph + 30}" font-size="11" fill="#555" text-anchor="middle" ${FONT}>${esc(opts.axisLabel)}</text>`);
  const h = top + ph + 38;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" role="img">${parts.join('')}</svg>`;
}

/** Vertical grid lines and their value labels: five ticks from 0 to `max` across the plot. */
function xGrid(labelW: number, plotW: number, top: number, plotH: number, max: number, fmt: (v: number) => string): string[] {
  const out: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const x = labelW + (plotW * i) / 4;
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + plotH}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${x}" y="${top + plotH + 14}" font-size="10" fill="#666" text-anchor="middle" ${FONT}>${esc(fmt((max * i) / 4))}</text>`);
  }
  return out;
}
