import { benchLink } from './host/bench/link.ts';
for (const b of [undefined, undefined]) { const r: any = await benchLink({ bulkPayload: b }); console.log(JSON.stringify(r)); }
