// An independent reading of the emitted file, written from Asterisk's config parser rules
// (BEHAVIOR.md): used to prove that no value can start a line, section, comment or directive.
export const SAFE_LINE = /^(|;[^\n]*|\[[0-9A-Za-z_-]{1,79}\](\(!\)|\([0-9A-Za-z_-]{1,79}(,[0-9A-Za-z_-]{1,79})*\))|[a-z_]+(\/[A-Za-z0-9_]+)? = [^\n]*)$/;

/** Every line of `conf` that is not a comment, header, `key = value` or blank. */
export function unsafeLines(conf: string): string[] {
  return conf.split('\n').filter((line, i, all) => !(i === all.length - 1 && line === '') && !SAFE_LINE.test(line));
}

/** Values as Asterisk reads them: `;` ends the value unless written `\;`, which becomes `;`. */
export function readValues(conf: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const line of conf.split('\n')) {
    if (line.startsWith('[')) { section = line.slice(1, line.indexOf(']')); continue; }
    if (line === '' || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    let value = '';
    const raw = line.slice(eq + 1);
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] === ';') {
        if (raw[i - 1] === '\\') { value = value.slice(0, -1) + ';'; continue; }
        break; // an unescaped ; starts a comment (or a block comment)
      }
      value += raw[i];
    }
    const key = `${section}:${line.slice(0, eq).trim()}`;
    out.set(key, [...(out.get(key) ?? []), value.trim()]);
  }
  return out;
}
