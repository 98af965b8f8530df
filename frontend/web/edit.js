// Editing from the web map, for a planner holding a token (OGC API –
// Features Part 4 on the server; offered only when /conformance declares
// it):
//
//   - sign in and out in the header bar (auth.js keeps the token);
//   - in the details panel: edit the selected feature's name, English
//     name, status, target year and placement note; move or reshape its
//     geometry; delete it (after a confirmation); and its history — who
//     changed what and when, status changes spelled out;
//   - draw a new park (polygon), corridor (line) or port (point) and fill
//     in its properties (the layer's required ones default to null, the
//     precision to "approximate").
//
// Every change of an existing feature carries If-Match with the ETag it
// was read with: a 412 (someone changed it in between) changes nothing
// and the page says so and offers to reload. After a write the planning
// tiles are fetched again (revalidated, so only the changed ones come
// back whole) and the details panel is redrawn, so the change shows at
// once. Drawing and geometry editing use terra-draw, loaded on first use.
//
// Hooks into the rest of the page: main.js calls initEdit() and sends
// 'planmap:details' when it shows a feature; index.html has #edit-bar.

import { addStrings, featureName, label, language, t } from './i18n.js';
import { api, h } from './util.js';
import { authHeaders, checkToken, clearToken, setToken, signedIn } from './auth.js';
import { MAX_DECIMALS, normaliseGeometry } from './edit-geometry.js';

const PART4_CLASS = 'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete';
const STATUSES = ['planned', 'under_construction', 'operational', 'proposed'];
const PRECISIONS = ['approximate', 'schematic', 'surveyed'];
const MODES = ['rail', 'road', 'metro', 'water', 'concept'];
// The planning layers' required properties (data/schema.go CommonProperties
// and LayerProperties), in the order a new feature lists them.
const COMMON_PROPERTIES = ['id', 'name', 'name_en', 'kind', 'status', 'target_year', 'city', 'county',
  'source_doc', 'source_excerpt', 'geometry_precision', 'placement_note'];
const LAYER_PROPERTIES = { corridors: ['mode'], enclaves: ['home', 'host', 'home_point'] };
/** What the drawing tools make: layer → terra-draw mode, default kind. */
const NEW_FEATURES = {
  'industrial-parks': { draw: 'polygon', kind: 'industrial_park', tool: 'newPark' },
  corridors: { draw: 'linestring', kind: 'concept_corridor', mode: 'concept', tool: 'newCorridor' },
  ports: { draw: 'point', kind: 'port', tool: 'newPort' },
};
/** The attributes the details panel edits. */
const EDITED = ['name', 'name_en', 'status', 'target_year', 'placement_note'];

addStrings({
  zh: {
    signIn: '登录编辑', signOut: '退出', token: '令牌', signInTitle: '用编辑令牌登录', signingIn: '正在验证…',
    editing: '编辑中', cancel: '取消', save: '保存', newPark: '新建园区', newCorridor: '新建走廊', newPort: '新建港口',
    tokenUnknown: '令牌无效。', tokenViewer: '此令牌只能查看，不能编辑。', tokenReadonly: '此服务器的数据为只读。',
    tokenExpired: '令牌已失效，请重新登录。', tokenHint: '令牌只保存在本标签页中，关闭即清除。',
    editAttributes: '编辑属性', editGeometry: '移动或改形', deleteFeature: '删除',
    nameField: '名称', nameEnField: '英文名称', placementField: '位置说明', statusNull: '未注明', idField: '编号（可留空，自动生成）',
    kindField: '类型', precisionField: '几何精度', cityField: '城市', countyField: '区县', sourceField: '来源文件', excerptField: '原文摘录',
    modeField: '方式', history: '修改记录', historyEmpty: '尚无修改记录。', historyLoading: '正在载入修改记录…',
    opCreate: '新建', opReplace: '替换', opPatch: '修改', opDelete: '删除', changedFields: (f) => `修改了 ${f}`, geometryChanged: '几何',
    saving: '正在保存…', saved: '已保存。', nothingChanged: '没有改动。', deleted: '已删除。',
    conflict: '保存失败：您打开此要素后，它已被别人修改（412）。请重新载入以查看当前版本，再重新修改。', reload: '重新载入',
    invalid: '服务器拒绝了此要素：', failed: '保存失败：',
    confirmDelete: (name) => `确定删除“${name}”吗？删除会记录在修改记录中。`, reallyDelete: '确定删除',
    drawPolygon: '在地图上单击添加顶点；单击第一个顶点（或按 Enter）闭合。', drawLine: '在地图上单击添加顶点；再次单击最后一个顶点（或按 Enter）结束。',
    drawPoint: '在地图上单击放置港口。', reshapeHint: '拖动图形可移动；拖动顶点可改形；拖动中点可增加顶点。',
    unsupportedGeometry: (type) => `此要素的几何为 ${type}（多部分或带洞），网页上不能改形；请用 GIS 软件编辑。`,
    newFeatureTitle: (layer) => `新要素：${layer}`, loadingTools: '正在载入绘图工具…',
  },
  en: {
    signIn: 'Sign in to edit', signOut: 'Sign out', token: 'Token', signInTitle: 'Sign in with an editor token', signingIn: 'Checking…',
    editing: 'Editing', cancel: 'Cancel', save: 'Save', newPark: 'New park', newCorridor: 'New corridor', newPort: 'New port',
    tokenUnknown: 'The token is not known.', tokenViewer: 'This token may view but not edit.', tokenReadonly: 'This server’s data is read-only.',
    tokenExpired: 'The token is no longer accepted; sign in again.', tokenHint: 'The token is kept in this tab only and forgotten when it closes.',
    editAttributes: 'Edit attributes', editGeometry: 'Move or reshape', deleteFeature: 'Delete',
    nameField: 'Name', nameEnField: 'English name', placementField: 'Placement note', statusNull: 'Not stated', idField: 'Id (leave empty to have one assigned)',
    kindField: 'Kind', precisionField: 'Geometry precision', cityField: 'City', countyField: 'County', sourceField: 'Source document', excerptField: 'Excerpt',
    modeField: 'Mode', history: 'History', historyEmpty: 'No changes recorded yet.', historyLoading: 'Loading the history…',
    opCreate: 'created', opReplace: 'replaced', opPatch: 'changed', opDelete: 'deleted', changedFields: (f) => `changed ${f}`, geometryChanged: 'geometry',
    saving: 'Saving…', saved: 'Saved.', nothingChanged: 'Nothing changed.', deleted: 'Deleted.',
    conflict: 'Not saved: someone changed this feature after you opened it (412). Reload it to see the current version, then make your change again.', reload: 'Reload',
    invalid: 'The server refused the feature: ', failed: 'Not saved: ',
    confirmDelete: (name) => `Delete “${name}”? The deletion is recorded in the history.`, reallyDelete: 'Delete it',
    drawPolygon: 'Click on the map to add corners; click the first corner (or press Enter) to close.', drawLine: 'Click on the map to add points; click the last point again (or press Enter) to finish.',
    drawPoint: 'Click on the map to place the port.', reshapeHint: 'Drag the shape to move it, its corners to reshape it, the midpoints to add corners.',
    unsupportedGeometry: (type) => `This feature’s geometry is a ${type} (several parts or holes), which the web map cannot reshape; edit it in a GIS.`,
    newFeatureTitle: (layer) => `New feature: ${layer}`, loadingTools: 'Loading the drawing tools…',
  },
});

/**
 * Adds editing to the web map. planmap is the page's automation object
 * (map, collections, openDetails); planmap.edit is set to this module's
 * state for tests.
 */
export async function initEdit({ map, planmap }) {
  addStylesheet();
  const edit = {
    enabled: false,
    signedIn: () => signedIn(),
    draw: null,
    active: null, // null | 'draw' | 'reshape'
    details: null, // {layerId, id} shown in the details panel
    tileRefreshes: 0,
  };
  planmap.edit = edit;
  try {
    const conf = await fetch(api('conformance'), { headers: { Accept: 'application/json' } }).then((r) => r.json());
    edit.enabled = (conf.conformsTo || []).includes(PART4_CLASS);
  } catch { /* no editing offered */ }
  if (!edit.enabled) return edit;

  const bar = document.getElementById('edit-bar') || document.querySelector('.bar')?.appendChild(h('div', { id: 'edit-bar' }));
  if (!bar) return edit;
  bar.classList.add('edit-bar');
  bar.hidden = false;
  const panel = h('div', { class: 'edit-panel', role: 'dialog', 'aria-live': 'polite', hidden: true });
  map.getContainer().append(panel);
  const firstLayer = planmap.collections[0]?.id;

  // While drawing or reshaping, a click on the map belongs to the drawing
  // tool: keep it from MapLibre, which would open another feature.
  for (const type of ['click', 'dblclick']) {
    map.getContainer().addEventListener(type, (e) => {
      if (edit.active && map.getCanvasContainer().contains(e.target)) e.stopPropagation();
    }, true);
  }

  // ---- sign-in bar ----

  function renderBar(message) {
    if (!signedIn()) {
      const input = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false', id: 'edit-token', required: true });
      const status = h('span', { class: 'edit-status', role: 'status' }, message || '');
      const form = h('form', { class: 'edit-signin', hidden: !message, onsubmit: async (e) => {
        e.preventDefault();
        const secret = input.value.trim();
        if (!secret) return;
        status.textContent = t('signingIn');
        const result = await checkToken(secret, firstLayer);
        input.value = '';
        if (!result.ok) {
          status.textContent = { unknown: t('tokenUnknown'), viewer: t('tokenViewer'), readonly: t('tokenReadonly') }[result.reason] || result.description;
          return;
        }
        setToken(secret);
        renderBar();
        rerenderDetails();
      } },
      h('label', { for: 'edit-token', 'data-i18n': 'token' }, t('token')), input,
      h('button', { type: 'submit', 'data-i18n': 'signIn' }, t('signIn')),
      h('button', { type: 'button', 'data-i18n': 'cancel', onclick: () => renderBar() }, t('cancel')),
      status,
      h('span', { class: 'hint', 'data-i18n': 'tokenHint' }, t('tokenHint')));
      const open = h('button', { type: 'button', class: 'edit-signin-open', hidden: Boolean(message), 'data-i18n': 'signIn', onclick: () => {
        open.hidden = true;
        form.hidden = false;
        input.focus();
      } }, t('signIn'));
      bar.replaceChildren(open, form);
      return;
    }
    bar.replaceChildren(
      h('span', { class: 'edit-badge', 'data-i18n': 'editing' }, t('editing')),
      ...Object.entries(NEW_FEATURES).filter(([layerId]) => planmap.collections.some((c) => c.id === layerId)).map(([layerId, spec]) =>
        h('button', { type: 'button', 'data-new': layerId, 'data-i18n': spec.tool, onclick: () => startDrawing(layerId) }, t(spec.tool))),
      h('button', { type: 'button', class: 'edit-signout', 'data-i18n': 'signOut', onclick: () => {
        clearToken();
        stopTools();
        renderBar();
        rerenderDetails();
      } }, t('signOut')));
  }
  renderBar();
  if (signedIn()) {
    // A token from earlier in this tab: check it is still good.
    const secret = authHeaders().Authorization.slice('Bearer '.length);
    checkToken(secret, firstLayer).then((r) => {
      if (r.ok || r.reason === 'error') return;
      clearToken();
      renderBar(t('tokenExpired'));
      rerenderDetails();
    });
  }

  /** Signs out after the server refused the token, saying why. */
  function tokenRefused() {
    clearToken();
    stopTools();
    renderBar(t('tokenExpired'));
    rerenderDetails();
  }

  // ---- details panel: editing and history ----

  document.addEventListener('planmap:details', (e) => {
    const { layerId, id } = e.detail;
    edit.details = { layerId, id };
    renderDetails(layerId, id);
  });
  document.addEventListener('planmap:details-closed', () => {
    edit.details = null;
  });

  function rerenderDetails() {
    if (edit.details && !document.getElementById('details')?.hidden) renderDetails(edit.details.layerId, edit.details.id);
  }

  function renderDetails(layerId, id) {
    const body = document.getElementById('details-body');
    if (!body) return;
    body.querySelector('.edit-section')?.remove();
    const section = h('section', { class: 'edit-section', 'data-feature': `${layerId}/${id}` });
    // The details panel may keep a place for editing (data-edit-slot).
    const slot = body.querySelector('[data-edit-slot]');
    if (slot) slot.hidden = false;
    const message = h('div', { class: 'edit-message', role: 'alert' });
    const work = h('div', { class: 'edit-work' });
    if (signedIn()) {
      section.append(h('div', { class: 'edit-actions' },
        h('button', { type: 'button', 'data-action': 'attributes', 'data-i18n': 'editAttributes', onclick: () => attributesForm(layerId, id, work, message) }, t('editAttributes')),
        h('button', { type: 'button', 'data-action': 'geometry', 'data-i18n': 'editGeometry', onclick: () => startReshape(layerId, id, message) }, t('editGeometry')),
        h('button', { type: 'button', 'data-action': 'delete', class: 'danger', 'data-i18n': 'deleteFeature', onclick: () => confirmDelete(layerId, id, work, message) }, t('deleteFeature'))),
      message, work);
    }
    const history = h('div', { class: 'edit-history' }, h('h3', { 'data-i18n': 'history' }, t('history')), h('p', { class: 'hint' }, t('historyLoading')));
    section.append(history);
    (slot || body).append(section);
    loadHistory(layerId, id, history);
  }

  async function attributesForm(layerId, id, work, message) {
    message.replaceChildren();
    let current;
    try {
      current = await fetchFeature(layerId, id);
    } catch (err) {
      message.textContent = t('failed') + err.message;
      return;
    }
    const p = current.feature.properties || {};
    const fields = {
      name: textField('nameField', p.name, { required: true }),
      name_en: textField('nameEnField', p.name_en),
      status: selectField('status', p.status ?? '', [['', t('statusNull')], ...STATUSES.map((s) => [s, label('status', s)])]),
      target_year: textField('targetYearShort', p.target_year == null ? '' : String(p.target_year), { type: 'number', min: 1900, max: 2100, step: 1 }),
      placement_note: textField('placementField', p.placement_note, { textarea: true }),
    };
    const form = h('form', { class: 'edit-form', 'data-form': 'attributes', onsubmit: async (e) => {
      e.preventDefault();
      const changes = {};
      for (const key of EDITED) {
        const value = fields[key].value();
        if (!sameValue(value, p[key])) changes[key] = value;
      }
      if (!Object.keys(changes).length) {
        message.textContent = t('nothingChanged');
        return;
      }
      message.textContent = t('saving');
      // A merge patch removes a member it sets to null, and the planning
      // layers keep every property (null when unknown): clearing a value
      // therefore replaces the whole feature (PUT), still under If-Match.
      const clearing = Object.values(changes).some((v) => v === null);
      const result = clearing
        ? await write('PUT', itemURL(layerId, id), { ...current.feature, properties: { ...p, ...changes } }, 'application/geo+json', current.etag)
        : await write('PATCH', itemURL(layerId, id), { properties: changes }, 'application/merge-patch+json', current.etag);
      if (!result.ok) {
        showFailure(message, result, () => attributesForm(layerId, id, work, message));
        return;
      }
      work.replaceChildren();
      await afterWrite(layerId, id);
      flash(t('saved'));
    } },
    ...Object.values(fields).map((f) => f.el),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', 'data-i18n': 'save' }, t('save')),
      h('button', { type: 'button', 'data-i18n': 'cancel', onclick: () => { work.replaceChildren(); message.replaceChildren(); } }, t('cancel'))));
    work.replaceChildren(form);
    fields.name.focus();
  }

  function confirmDelete(layerId, id, work, message) {
    message.replaceChildren();
    fetchFeature(layerId, id).then((current) => {
      const name = featureName(current.feature.properties || {});
      work.replaceChildren(h('div', { class: 'edit-confirm', role: 'alertdialog' },
        h('p', {}, t('confirmDelete', name)),
        h('div', { class: 'buttons' },
          h('button', { type: 'button', class: 'danger', 'data-action': 'confirm-delete', onclick: async () => {
            message.textContent = t('saving');
            const result = await write('DELETE', itemURL(layerId, id), undefined, undefined, current.etag);
            if (!result.ok) {
              showFailure(message, result, () => confirmDelete(layerId, id, work, message));
              return;
            }
            await afterWrite(layerId, id, { deleted: true });
            flash(t('deleted'));
          } }, t('reallyDelete')),
          h('button', { type: 'button', onclick: () => work.replaceChildren() }, t('cancel')))));
    }, (err) => { message.textContent = t('failed') + err.message; });
  }

  async function loadHistory(layerId, id, container) {
    let revisions;
    try {
      const res = await fetch(api(`collections/${encodeURIComponent(layerId)}/items/${encodeURIComponent(id)}/history`), { headers: { Accept: 'application/json' }, cache: 'no-store' });
      if (!res.ok) throw new Error(`${res.status}`);
      revisions = (await res.json()).revisions || [];
    } catch {
      container.remove();
      return;
    }
    const items = [...revisions].reverse().map((r) => h('li', { 'data-seq': r.seq, 'data-op': r.op },
      h('time', { datetime: r.time }, formatTime(r.time)), ' · ',
      h('span', { class: 'actor' }, r.actor), ' · ',
      h('span', { class: 'what' }, describeRevision(r))));
    container.replaceChildren(h('h3', { 'data-i18n': 'history' }, t('history')),
      items.length ? h('ol', { class: 'history-list', reversed: true }, items) : h('p', { class: 'hint', 'data-i18n': 'historyEmpty' }, t('historyEmpty')));
  }

  // ---- drawing and reshaping (terra-draw) ----

  let tools = null;
  async function loadTools() {
    if (tools) return tools;
    const [td, { TerraDrawMapLibreGLAdapter }] = await Promise.all([
      import('./vendor/terra-draw.mjs'),
      import('./vendor/terra-draw-maplibre-gl-adapter.mjs'),
    ]);
    const editable = { feature: { draggable: true, coordinates: { draggable: true, midpoints: true, deletable: true } } };
    const draw = new td.TerraDraw({
      adapter: new TerraDrawMapLibreGLAdapter({ map, coordinatePrecision: MAX_DECIMALS }),
      modes: [
        new td.TerraDrawPolygonMode({ validation: (f) => td.ValidateNotSelfIntersecting(f) }),
        new td.TerraDrawLineStringMode(),
        new td.TerraDrawPointMode(),
        new td.TerraDrawSelectMode({
          allowManualDeselection: false,
          keyEvents: { deselect: null, delete: null, rotate: null, scale: null },
          flags: { polygon: editable, linestring: editable, point: { feature: { draggable: true } } },
        }),
      ],
    });
    draw.start();
    draw.on('finish', (featureId, context) => onFinish(featureId, context));
    tools = { td, draw };
    edit.draw = draw;
    return tools;
  }

  let drawing = null; // {layerId} while drawing a new feature
  let reshaping = null; // {layerId, id, etag, drawId}

  function stopTools() {
    drawing = null;
    reshaping = null;
    edit.active = null;
    if (tools) {
      tools.draw.setMode('static');
      tools.draw.clear();
    }
    panel.hidden = true;
    panel.replaceChildren();
  }

  function showPanel(...children) {
    panel.replaceChildren(...children);
    panel.hidden = false;
  }

  async function startDrawing(layerId) {
    stopTools();
    showPanel(h('p', { class: 'hint' }, t('loadingTools')));
    const { draw } = await loadTools();
    const spec = NEW_FEATURES[layerId];
    drawing = { layerId };
    edit.active = 'draw';
    draw.setMode(spec.draw);
    const hint = { polygon: 'drawPolygon', linestring: 'drawLine', point: 'drawPoint' }[spec.draw];
    showPanel(h('p', { class: 'edit-panel-title' }, t('newFeatureTitle', label('layer', layerId))),
      h('p', { class: 'hint', 'data-i18n': hint }, t(hint)),
      h('div', { class: 'buttons' }, h('button', { type: 'button', 'data-i18n': 'cancel', onclick: stopTools }, t('cancel'))));
  }

  function onFinish(featureId, context) {
    if (!drawing || context?.action !== 'draw') return;
    const feature = tools.draw.getSnapshotFeature(featureId);
    if (!feature) return;
    tools.draw.setMode('static');
    newFeatureForm(drawing.layerId, feature.geometry);
  }

  async function newFeatureForm(layerId, drawnGeometry) {
    const spec = NEW_FEATURES[layerId];
    const geometry = normaliseGeometry(drawnGeometry);
    const kinds = await layerKinds(layerId);
    const fields = {
      id: textField('idField', '', { pattern: '[a-z0-9_\\-]+' }),
      name: textField('nameField', '', { required: true }),
      name_en: textField('nameEnField', ''),
      kind: selectField('kindField', kinds.includes(spec.kind) ? spec.kind : kinds[0], kinds.map((k) => [k, label('kind', k)])),
      status: selectField('status', '', [['', t('statusNull')], ...STATUSES.map((s) => [s, label('status', s)])]),
      target_year: textField('targetYearShort', '', { type: 'number', min: 1900, max: 2100, step: 1 }),
      ...(spec.mode ? { mode: selectField('modeField', spec.mode, MODES.map((m) => [m, label('mode', m)])) } : {}),
      city: textField('cityField', ''),
      county: textField('countyField', ''),
      source_doc: textField('sourceField', ''),
      source_excerpt: textField('excerptField', '', { maxlength: 60 }),
      geometry_precision: selectField('precisionField', 'approximate', PRECISIONS.map((v) => [v, label('geometry_precision', v)])),
      placement_note: textField('placementField', '', { textarea: true }),
    };
    const message = h('div', { class: 'edit-message', role: 'alert' });
    const form = h('form', { class: 'edit-form', 'data-form': 'new', 'data-layer': layerId, onsubmit: async (e) => {
      e.preventDefault();
      const properties = {};
      for (const key of [...COMMON_PROPERTIES, ...(LAYER_PROPERTIES[layerId] || [])]) {
        properties[key] = fields[key] ? fields[key].value() : null;
      }
      if (properties.id == null) delete properties.id; // the server assigns one
      message.textContent = t('saving');
      const result = await write('POST', api(`collections/${encodeURIComponent(layerId)}/items`), { type: 'Feature', geometry, properties }, 'application/geo+json');
      if (!result.ok) {
        showFailure(message, result);
        return;
      }
      const newId = result.json?.id ?? result.json?.properties?.id ?? decodeURIComponent((result.location || '').split('/').pop());
      stopTools();
      edit.lastCreated = { layerId, id: newId };
      await afterWrite(layerId, newId);
      flash(t('saved'));
    } },
    h('p', { class: 'edit-panel-title' }, t('newFeatureTitle', label('layer', layerId))),
    ...Object.values(fields).map((f) => f.el),
    message,
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', 'data-i18n': 'save' }, t('save')),
      h('button', { type: 'button', 'data-i18n': 'cancel', onclick: stopTools }, t('cancel'))));
    showPanel(form);
    fields.name.focus();
  }

  async function startReshape(layerId, id, message) {
    message.replaceChildren();
    stopTools();
    let current;
    try {
      current = await fetchFeature(layerId, id);
    } catch (err) {
      message.textContent = t('failed') + err.message;
      return;
    }
    const g = current.feature.geometry;
    const mode = { Point: 'point', LineString: 'linestring', Polygon: 'polygon' }[g?.type];
    if (!mode || (g.type === 'Polygon' && g.coordinates.length !== 1)) {
      message.textContent = t('unsupportedGeometry', g?.type === 'Polygon' ? 'Polygon with holes' : g?.type);
      return;
    }
    showPanel(h('p', { class: 'hint' }, t('loadingTools')));
    const { draw } = await loadTools();
    const [added] = draw.addFeatures([{ type: 'Feature', geometry: g, properties: { mode } }]);
    if (!added?.valid) {
      stopTools();
      message.textContent = t('failed') + (added?.reason || 'terra-draw refused the geometry');
      return;
    }
    reshaping = { layerId, id, etag: current.etag, drawId: added.id };
    edit.active = 'reshape';
    draw.selectFeature(added.id);
    const status = h('div', { class: 'edit-message', role: 'alert' });
    showPanel(h('p', { class: 'edit-panel-title' }, featureName(current.feature.properties || {})),
      h('p', { class: 'hint', 'data-i18n': 'reshapeHint' }, t('reshapeHint')),
      status,
      h('div', { class: 'buttons' },
        h('button', { type: 'button', 'data-action': 'save-geometry', 'data-i18n': 'save', onclick: async () => {
          const f = draw.getSnapshotFeature(reshaping.drawId);
          status.textContent = t('saving');
          const result = await write('PATCH', itemURL(layerId, id), { geometry: normaliseGeometry(f.geometry) }, 'application/merge-patch+json', reshaping.etag);
          if (!result.ok) {
            showFailure(status, result, () => startReshape(layerId, id, message));
            return;
          }
          stopTools();
          await afterWrite(layerId, id);
          flash(t('saved'));
        } }, t('save')),
        h('button', { type: 'button', 'data-i18n': 'cancel', onclick: stopTools }, t('cancel'))));
  }

  // ---- writes and what follows them ----

  /** Sends a write with the token; returns {ok, status, etag, location, json}. */
  async function write(method, url, body, contentType, etag) {
    const headers = authHeaders({ Accept: 'application/geo+json, application/json' });
    if (body !== undefined) headers['Content-Type'] = contentType;
    if (etag) headers['If-Match'] = etag;
    let res;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    } catch (err) {
      return { ok: false, status: 0, json: { description: String(err.message || err) } };
    }
    let json = null;
    try {
      json = await res.json();
    } catch { /* 204 or not JSON */ }
    return { ok: res.ok, status: res.status, etag: res.headers.get('ETag'), location: res.headers.get('Location'), json };
  }

  /** Says why a write failed: a conflict (with a reload), the problems of a 400, a refused token. */
  function showFailure(el, result, reload) {
    const description = result.json?.description || `${result.status}`;
    if (result.status === 401) {
      el.textContent = t('tokenExpired');
      tokenRefused();
      return;
    }
    if (result.status === 412) {
      el.replaceChildren(h('p', { class: 'edit-conflict' }, t('conflict')),
        reload ? h('button', { type: 'button', 'data-action': 'reload', 'data-i18n': 'reload', onclick: reload }, t('reload')) : null);
      return;
    }
    const problems = result.json?.problems || [];
    if (result.status === 400 && problems.length) {
      el.replaceChildren(h('p', {}, t('invalid')), h('ul', { class: 'edit-problems' }, problems.map((p) => h('li', {}, p))));
      return;
    }
    el.replaceChildren(h('p', {}, t('failed') + description));
  }

  /**
   * Shows a write at once: the planning tiles are fetched again —
   * revalidated from now on, because they are otherwise cached for minutes
   * — and the details panel is redrawn from the API (closed after a delete).
   */
  async function afterWrite(layerId, id, { deleted = false } = {}) {
    refreshTiles();
    if (deleted) document.getElementById('details-close')?.click();
    else await planmap.openDetails(layerId, id, { fly: false });
  }

  let revalidating = false;
  function refreshTiles() {
    const base = api('').href;
    if (!revalidating) {
      map.setTransformRequest((url, type) => (type === 'Tile' && url.startsWith(base) ? { url, cache: 'no-cache' } : undefined));
      revalidating = true;
    }
    const sources = map.getStyle().sources || {};
    for (const [sourceId, source] of Object.entries(sources)) {
      if (source.type === 'vector' && (source.tiles || []).some((u) => u.startsWith(base))) map.refreshTiles(sourceId);
    }
    edit.tileRefreshes++;
  }

  function flash(text) {
    const note = h('p', { class: 'edit-flash', role: 'status' }, text);
    document.querySelector('#details-body .edit-section')?.prepend(note);
    setTimeout(() => note.remove(), 4000);
  }

  return edit;
}

// ---- helpers -------------------------------------------------------------

function addStylesheet() {
  if (document.querySelector('link[data-edit-css]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: new URL('./edit.css', import.meta.url).href, 'data-edit-css': true }));
}

function itemURL(layerId, id) {
  return api(`collections/${encodeURIComponent(layerId)}/items/${encodeURIComponent(id)}`);
}

/** GETs a feature with its ETag, past every cache. */
async function fetchFeature(layerId, id) {
  const res = await fetch(itemURL(layerId, id), { headers: { Accept: 'application/geo+json' }, cache: 'no-store' });
  if (!res.ok) {
    let d = res.statusText;
    try { d = (await res.json()).description || d; } catch { /* not JSON */ }
    throw new Error(`${res.status} ${d}`);
  }
  return { feature: await res.json(), etag: res.headers.get('ETag') };
}

const kindCache = new Map();
/** A layer's kinds, from its queryables (the server's vocabulary table). */
async function layerKinds(layerId) {
  if (!kindCache.has(layerId)) {
    kindCache.set(layerId, fetch(api(`collections/${encodeURIComponent(layerId)}/queryables`), { headers: { Accept: 'application/schema+json, application/json' } })
      .then((r) => r.json()).then((q) => q.properties?.kind?.enum || []).catch(() => []));
  }
  const kinds = await kindCache.get(layerId);
  return kinds.length ? kinds : [NEW_FEATURES[layerId]?.kind].filter(Boolean);
}

let fieldSeq = 0;
/** A labelled input; value() reads it back (empty → null, numbers as numbers). */
function textField(labelKey, value, { required = false, textarea = false, type = 'text', ...attrs } = {}) {
  const id = `edit-field-${++fieldSeq}`;
  const input = textarea
    ? h('textarea', { id, rows: 3, required, ...attrs })
    : h('input', { id, type, required, autocomplete: 'off', ...attrs });
  input.value = value ?? '';
  input.dataset.field = labelKey;
  return {
    el: h('label', { class: 'edit-field', for: id }, h('span', { 'data-i18n': labelKey }, t(labelKey)), input),
    value: () => {
      const v = input.value.trim();
      if (v === '') return null;
      return type === 'number' ? Number(v) : v;
    },
    focus: () => input.focus(),
  };
}

function selectField(labelKey, value, options) {
  const id = `edit-field-${++fieldSeq}`;
  const select = h('select', { id }, options.map(([v, text]) => h('option', { value: v }, text)));
  select.value = value ?? '';
  select.dataset.field = labelKey;
  return {
    el: h('label', { class: 'edit-field', for: id }, h('span', { 'data-i18n': labelKey }, t(labelKey)), select),
    value: () => (select.value === '' ? null : select.value),
    focus: () => select.focus(),
  };
}

function sameValue(a, b) {
  return (a ?? null) === (b ?? null);
}

function formatTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(language() === 'en' ? 'en-GB' : 'zh-CN', { dateStyle: 'medium', timeStyle: 'short' });
}

/** One line of a revision: "规划 → 在建", "changed name, target_year", "created". */
export function describeRevision(r) {
  const opLabel = { create: t('opCreate'), replace: t('opReplace'), patch: t('opPatch'), delete: t('opDelete') }[r.op] || r.op;
  if (r.op === 'create' || r.op === 'delete' || !r.before || !r.after) return opLabel;
  const before = r.before.properties || {};
  const after = r.after.properties || {};
  const parts = [];
  if ((before.status ?? null) !== (after.status ?? null)) parts.push(`${label('status', before.status)} → ${label('status', after.status)}`);
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((k) => k !== 'status' && JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null));
  if (JSON.stringify(r.before.geometry) !== JSON.stringify(r.after.geometry)) changed.push(t('geometryChanged'));
  if (changed.length) parts.push(t('changedFields', changed.join(', ')));
  return parts.length ? parts.join('; ') : opLabel;
}
