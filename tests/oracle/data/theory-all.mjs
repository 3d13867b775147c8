#!/usr/bin/env node
// theory-all.mjs: writes the query list theory-tonal.txt — every scale type and every chord type in
// tonal's dictionaries (ScaleType.all(), ChordType.all()), by name and by every alias, on several
// tonics — so that lute's theory is compared with all of tonal, not only with what the public corpus
// happened to ask.  theory-oracle.mjs then answers each query (npm run regen does both).
//
// Usage: node theory-all.mjs > all.txt   (npm run regen-tonal splits it into theory-tonal-{scales,chords}.txt)
//
// Tonics: the twelve of a keyboard as a musician spells them, plus G#, Cb and E# (whose scales need
// double sharps and flats); every name (and every chord type's first symbol) is asked on all of them.
// Every alias is asked on three tonics (C, F#, Bb).  Also asked: each scale with an octave on its tonic
// ("scale F#3 dorian"), each type without a tonic ("scale dorian", "chord maj7"), each chord name
// after a space ("chord Eb major seventh") and each chord type over its third and over a bass that is
// not in it (slash chords).

// Same module-resolution hook as theory-oracle.mjs (see there).
import { register } from 'node:module';
register(
  'data:text/javascript,' +
    encodeURIComponent(`
import { readFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (/^(@[^/]+\\/)?[^/.@:][^/:]*$/.test(specifier)) {
    try {
      const pj = await next(specifier + '/package.json', context);
      const meta = JSON.parse(readFileSync(new URL(pj.url), 'utf8'));
      if (meta.module && !meta.exports) return next(specifier + '/' + meta.module.replace(/^\\.\\//, ''), context);
    } catch {}
  }
  return next(specifier, context);
}`),
  import.meta.url,
);

const { ScaleType, ChordType, Note } = await import('tonal');

const TONICS = ['C', 'Db', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B', 'G#', 'Cb', 'E#'];
const ALIAS_TONICS = ['C', 'F#', 'Bb'];
const lines = [];
const seen = new Set();
const add = (q) => {
  if (!seen.has(q)) {
    seen.add(q);
    lines.push(q);
  }
};

for (const s of ScaleType.all()) {
  for (const t of TONICS) add(`scale ${t} ${s.name}`);
  for (const a of s.aliases) for (const t of ALIAS_TONICS) add(`scale ${t} ${a}`);
  add(`scale ${s.name}`);
  add(`scale F#3 ${s.name}`);
}
for (const c of ChordType.all()) {
  const symbols = c.aliases;
  for (const t of TONICS) {
    add(`chord ${t}${symbols[0]}`);
    if (c.name) add(`chord ${t} ${c.name}`);
  }
  for (const a of symbols) {
    for (const t of ALIAS_TONICS) add(`chord ${t}${a}`);
    add(`chord ${a}`);
  }
  // slash chords: over the chord's second note (an inversion) and over a note not in it
  const second = c.intervals[1];
  for (const t of ['C', 'F#']) {
    if (second) add(`chord ${t}${symbols[0]}/${Note.pitchClass(Note.transpose(t, second))}`);
    add(`chord ${t}${symbols[0]}/${Note.pitchClass(Note.transpose(t, '2M'))}`);
  }
}
process.stdout.write(lines.join('\n') + '\n');
console.error(`theory-all: ${ScaleType.all().length} scale types, ${ChordType.all().length} chord types, ${lines.length} queries`);
