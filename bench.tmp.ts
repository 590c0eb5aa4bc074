import { benchLink } from './host/bench/link.ts';
console.log(await benchLink({}));
