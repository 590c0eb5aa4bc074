export { inspect, type InspectReport, type InspectJunction, type InspectOptions } from './inspect.ts';
export { matrixMarket, type JunctionConnectivity } from './export.ts';
