import Table from 'cli-table3';

/** A plain terminal table. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) t.push(r.map(String));
  return `${t.toString()}\n`;
}
