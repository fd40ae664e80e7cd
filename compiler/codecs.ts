// Media format names an Asterisk 22 core registers (main/codec_builtin.c and the bundled codec and
// format modules), as written in `allow =`. A name outside this set makes Asterisk reject the option.
export const CODEC_NAMES: ReadonlySet<string> = new Set([
  // audio
  'ulaw', 'alaw', 'gsm', 'g723', 'g726', 'g726aal2', 'adpcm', 'g729', 'g722', 'g719', 'ilbc', 'lpc10',
  'speex', 'speex16', 'speex32', 'siren7', 'siren14', 'opus', 'silk8', 'silk12', 'silk16', 'silk24',
  'codec2', 'testlaw', 'slin', 'slin12', 'slin16', 'slin24', 'slin32', 'slin44', 'slin48', 'slin96',
  'slin192',
  // video
  'h261', 'h263', 'h263p', 'h264', 'h265', 'mpeg4', 'vp8', 'vp9',
  // images and text
  'jpeg', 'png', 't140', 't140red',
]);

/** `allow` items: a name, optionally `:<ms>` packetization; `all` selects every codec. */
export function badCodecs(list: readonly string[]): string[] {
  return list.filter((item) => {
    const name = item.replace(/^!/, '').split(':')[0]!.toLowerCase();
    return name !== 'all' && !CODEC_NAMES.has(name);
  });
}
