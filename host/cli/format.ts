import Table from 'cli-table3';

/** No rule between rows: compact tables for a terminal. */
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/** A plain terminal table; pass an empty head for a key-value table. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const t = new Table({ head: head.some((h) => h) ? head : [], style: { head: [], border: [] }, chars: COMPACT });
  for (const r of rows) t.push(r.map(String));
  return `${t.toString()}\n`;
}
