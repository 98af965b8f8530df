// The search box: asks /search as the user types (Chinese, traditional
// Chinese, English, pinyin), lists the matches as a listbox (arrow keys,
// Enter, Escape) and flies the map to the chosen one.

import { featureName, label, t } from './i18n.js';
import { api, debounce, getJSON, h } from './util.js';

export function initSearch({ openDetails, fitFeature }) {
  const input = document.getElementById('search-input');
  const list = document.getElementById('search-results');
  let results = [];
  let resultsFor = null; // the query the listed results answer
  let active = -1;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
    resultsFor = null;
  };

  const render = () => {
    list.replaceChildren(...(results.length ? results.map((f, i) => h('li', {
      id: `search-result-${i}`, role: 'option', 'aria-selected': String(i === active), class: i === active ? 'active' : null,
      onmousedown: (e) => { e.preventDefault(); choose(i); },
    }, h('span', { class: 'result-name' }, featureName(f.properties)),
    h('span', { class: 'result-meta' }, `${label('layer', f.properties.layer)} · ${label('kind', f.properties.kind)}`))) : [h('li', { class: 'empty', role: 'option', 'aria-disabled': 'true' }, t('noResults'))]));
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    if (active >= 0) input.setAttribute('aria-activedescendant', `search-result-${active}`);
    else input.removeAttribute('aria-activedescendant');
  };

  // One request per query text: typing and Enter share it, and a newer
  // query text makes an older answer stale.
  let inflight = null;
  const query = (q) => {
    if (inflight?.q === q) return inflight.promise;
    const promise = (async () => {
      try {
        const fc = await getJSON(api('search', [['q', q], ['limit', '8']]));
        if (inflight?.promise !== promise) return null;
        results = fc.features || [];
        resultsFor = q;
        active = results.length ? 0 : -1;
        render();
        return results;
      } catch (err) {
        if (inflight?.promise === promise) {
          results = [];
          render();
        }
        console.warn('search failed', err);
        return null;
      } finally {
        if (inflight?.promise === promise) inflight = null;
      }
    })();
    inflight = { q, promise };
    return promise;
  };
  const queryLater = debounce((q) => {
    if (input.value.trim() !== q || q === resultsFor) return; // stale, or already answered
    if (q) query(q); else close();
  }, 150);

  const choose = (i) => {
    const f = results[i];
    if (!f) return;
    input.value = featureName(f.properties);
    close();
    // Details first: the panel it opens shrinks the map, and a camera move
    // begun before that would end off-centre (the feature off the map).
    openDetails(f.properties.layer, f.properties.id, { fly: false }).catch((err) => console.warn(err))
      .finally(() => fitFeature(f.bbox));
  };

  input.addEventListener('input', () => queryLater(input.value.trim()));
  input.addEventListener('keydown', async (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!results.length) return;
      e.preventDefault();
      active = (active + (e.key === 'ArrowDown' ? 1 : -1) + results.length) % results.length;
      render();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const q = input.value.trim();
      if (!q) return;
      // Enter right after typing: search now rather than wait for the debounce.
      if (resultsFor !== q) await query(q);
      choose(Math.max(active, 0));
    } else if (e.key === 'Escape') {
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
}
