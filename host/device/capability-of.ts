import { type Capability, capabilityFor, type ProfileName, PROFILES } from '../../firmware-spec/capability.ts';
import { specHash } from '../../firmware-spec/hash.ts';

/**
 * The capability of the device a URI names. For `emu` (in process) it is the profile's descriptor,
 * without starting a device; any other URI is opened and asked (IDENTIFY).
 */
export async function capabilityOf(uri: string): Promise<Capability> {
  const m = /^emu(?:\?(.*))?$/.exec(uri);
  if (m) {
    const profile = (new URLSearchParams(m[1] ?? '').get('profile') ?? 'emu') as ProfileName;
    if (!(profile in PROFILES)) throw Object.assign(new Error(`${uri}: unknown emulator profile '${profile}' (have ${Object.keys(PROFILES).join(', ')})`), { code: 'bad_uri' });
    return capabilityFor(profile, specHash());
  }
  const { openDevice } = await import('./open.ts');
  const dev = await openDevice(uri);
  try {
    return (dev.identity ?? (await dev.identify())).capability;
  } finally {
    await dev.close();
  }
}
