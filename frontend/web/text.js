// Display clean-up of source excerpts. Two of the seed documents are
// traditional Chinese from an automatic conversion that left a pinyin
// reading after some characters (區(qū), 發(fā)). For display the readings are
// dropped and the text mapped to simplified Chinese with the search
// table (區 → 区); the API keeps the verbatim text.

const PINYIN = /([\u3400-\u9fff])\(([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7})\)/gu;

/** Parses the t2s table ("from<TAB>to" lines, # comments) into a Map. */
export function parseT2S(text) {
  const map = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [from, to] = line.split('\t');
    if (from && to) map.set(from, to);
  }
  return map;
}

/** The excerpt as shown: readings dropped, characters simplified (when a table is given). */
export function cleanExcerpt(text, t2s) {
  if (!text) return text;
  const out = text.replace(PINYIN, '$1');
  return t2s ? [...out].map((c) => t2s.get(c) ?? c).join('') : out;
}

/** Whether the excerpt needs cleaning at all. */
export function needsCleaning(text, t2s) {
  return Boolean(text) && (text.search(PINYIN) >= 0 || (t2s ? [...text].some((c) => t2s.has(c)) : false));
}
