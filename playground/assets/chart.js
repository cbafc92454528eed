// CivicLink playground: draws the answer of a *Stats query as a bar or line chart.
//
// Served from the binary (playground/assets/chart.js) like boot.js, with no library and no
// network access: a small canvas renderer. boot.js wraps GraphiQL's fetcher with
// CivicLinkChart.wrapFetcher, so every answer that holds a list of cells can be charted from
// the "Chart" button at the bottom right. Group keys go on the horizontal axis (with a time
// bucket and further keys: buckets on the axis, one series per key), the chosen measure on
// the vertical one; a null figure (a suppressed cell) is a gap, never a zero. The chart
// downloads as PNG and the cells as CSV (UTF-8 with a byte-order mark, labels such as
// 2021-11 kept as text for spreadsheets).
(function () {
  'use strict';

  var palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  var W = 960;
  var H = 440;
  var M = { left: 64, right: 16, top: 28, bottom: 96 };

  var state = { data: null, lists: [], list: 0, measure: null, type: 'bar', model: null };
  var ui = null;

  // flatten turns a cell into {dotted.path: scalar}, keeping the selection's order.
  function flatten(obj, prefix, out, order) {
    Object.keys(obj || {}).forEach(function (k) {
      var v = obj[k];
      var p = prefix ? prefix + '.' + k : k;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        flatten(v, p, out, order);
        return;
      }
      if (order.indexOf(p) < 0) {
        order.push(p);
      }
      out[p] = Array.isArray(v) ? JSON.stringify(v) : v;
    });
    return out;
  }

  // listsOf finds the root fields (aliases included) whose value is a list of objects.
  function listsOf(data) {
    var out = [];
    Object.keys(data || {}).forEach(function (k) {
      var v = data[k];
      if (Array.isArray(v) && v.length > 0 && v[0] !== null && typeof v[0] === 'object') {
        out.push(k);
      }
    });
    return out;
  }

  // table flattens a list into rows and classifies its columns: measures are numeric,
  // keys the rest but suppressed and the bucket's start (its label names it).
  function table(list) {
    var order = [];
    var rows = list.map(function (cell) { return flatten(cell, '', {}, order); });
    var measures = [];
    var keys = [];
    order.forEach(function (c) {
      if (c === 'suppressed') {
        return;
      }
      var numeric = rows.some(function (r) { return typeof r[c] === 'number'; }) &&
        rows.every(function (r) { return r[c] === null || r[c] === undefined || typeof r[c] === 'number'; });
      if (numeric) {
        measures.push(c);
      } else if (!(c === 'bucket' && order.indexOf('bucketLabel') >= 0)) {
        keys.push(c);
      }
    });
    return { columns: order, rows: rows, measures: measures, keys: keys };
  }

  function label(row, keys) {
    var parts = keys.map(function (k) { return row[k]; }).filter(function (v) { return v !== null && v !== undefined && v !== ''; });
    if (parts.length > 0) {
      return parts.join(' · ');
    }
    return row.suppressed ? 'suppressed' : 'all';
  }

  // modelOf lays the chart out: categories on the axis, series of values (null = gap).
  function modelOf(t, measure) {
    var time = t.keys.indexOf('bucketLabel') >= 0 ? 'bucketLabel' : (t.keys.indexOf('bucket') >= 0 ? 'bucket' : null);
    var others = t.keys.filter(function (k) { return k !== time; });
    var m = { categories: [], series: [], suppressed: 0, measure: measure };
    if (time && others.length > 0) {
      var cats = {};
      var series = {};
      t.rows.forEach(function (r) {
        if (r[time] === null || r[time] === undefined) {
          m.suppressed++;
          return;
        }
        cats[r[time]] = true;
        var s = label(r, others);
        if (!series[s]) {
          series[s] = {};
          m.series.push({ name: s, values: null });
        }
        series[s][r[time]] = r[measure];
      });
      m.categories = Object.keys(cats).sort();
      m.series.forEach(function (s) {
        s.values = m.categories.map(function (c) {
          var v = series[s.name][c];
          return typeof v === 'number' ? v : null;
        });
      });
      return m;
    }
    var keys = time ? [time] : others;
    var values = [];
    t.rows.forEach(function (r) {
      if (r.suppressed) {
        m.suppressed++;
      }
      m.categories.push(label(r, keys));
      values.push(typeof r[measure] === 'number' ? r[measure] : null);
    });
    m.series.push({ name: measure, values: values });
    return m;
  }

  function niceStep(span) {
    var raw = span / 5;
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  }

  function fmt(v) {
    if (Math.abs(v) >= 1000 || Number.isInteger(v)) {
      return String(Math.round(v * 100) / 100);
    }
    return String(Math.round(v * 1000) / 1000);
  }

  // draw renders m on the canvas and records what it drew in data attributes
  // (data-bars, data-points, data-gaps, data-series, and data-baseline, the pixel row of
  // the zero axis), for tests and screen readers.
  function draw(canvas, m, type) {
    var ctx = canvas.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, W, H);
    var all = [];
    m.series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null) { all.push(v); } }); });
    var lo = Math.min(0, Math.min.apply(null, all.length ? all : [0]));
    var hi = Math.max(0, Math.max.apply(null, all.length ? all : [1]));
    if (hi === lo) {
      hi = lo + 1;
    }
    var step = niceStep(hi - lo);
    lo = Math.floor(lo / step) * step;
    hi = Math.ceil(hi / step) * step;
    var pw = W - M.left - M.right;
    var ph = H - M.top - M.bottom;
    var y = function (v) { return M.top + ph - (v - lo) / (hi - lo) * ph; };

    ctx.font = '11px system-ui, sans-serif';
    ctx.strokeStyle = '#dddddd';
    ctx.fillStyle = '#444444';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (var t = lo; t <= hi + step / 2; t += step) {
      ctx.beginPath();
      ctx.moveTo(M.left, Math.round(y(t)) + 0.5);
      ctx.lineTo(W - M.right, Math.round(y(t)) + 0.5);
      ctx.stroke();
      ctx.fillText(fmt(t), M.left - 6, y(t));
    }
    ctx.textAlign = 'left';
    ctx.fillText(m.measure + (m.suppressed ? '  (' + m.suppressed + ' suppressed cell' + (m.suppressed > 1 ? 's' : '') + ': gaps)' : ''), M.left, 12);

    var n = Math.max(1, m.categories.length);
    var slot = pw / n;
    var bars = 0;
    var points = 0;
    var gaps = 0;
    var zero = y(0);
    m.series.forEach(function (s, si) {
      var color = palette[si % palette.length];
      ctx.fillStyle = color;
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      var open = false;
      s.values.forEach(function (v, i) {
        if (v === null) {
          gaps++;
          open = false;
          return;
        }
        if (type === 'line') {
          var cx = M.left + slot * (i + 0.5);
          if (!open) {
            ctx.beginPath();
            ctx.moveTo(cx, y(v));
            open = true;
          } else {
            ctx.lineTo(cx, y(v));
            ctx.stroke();
            ctx.beginPath();
            ctx.moveTo(cx, y(v));
          }
          ctx.fillRect(cx - 2, y(v) - 2, 4, 4);
          points++;
          return;
        }
        // Whole pixels, at least one high, so every bar touches the row above (or below)
        // the axis and stays apart from its neighbours.
        var bw = Math.max(1, Math.floor(slot * 0.8 / m.series.length) - 1);
        var bx = Math.round(M.left + slot * i + slot * 0.1) + si * (bw + 1);
        var base = Math.round(zero);
        var end = Math.round(y(v));
        if (v >= 0) {
          end = Math.min(end, base - 1);
          ctx.fillRect(bx, end, bw, base - end);
        } else {
          end = Math.max(end, base + 2);
          ctx.fillRect(bx, base + 1, bw, end - base - 1);
        }
        bars++;
      });
    });

    // The axis and its category labels (thinned to fit).
    ctx.strokeStyle = '#444444';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(M.left, Math.round(zero) + 0.5);
    ctx.lineTo(W - M.right, Math.round(zero) + 0.5);
    ctx.stroke();
    ctx.fillStyle = '#444444';
    var every = Math.ceil(n / Math.max(1, Math.floor(pw / 14)));
    m.categories.forEach(function (c, i) {
      if (i % every !== 0) {
        return;
      }
      ctx.save();
      ctx.translate(M.left + slot * (i + 0.5), H - M.bottom + 6);
      ctx.rotate(-Math.PI / 4);
      ctx.textAlign = 'right';
      ctx.fillText(String(c).slice(0, 18), 0, 0);
      ctx.restore();
    });
    if (m.series.length > 1) {
      var lx = M.left + 300;
      m.series.slice(0, 8).forEach(function (s, si) {
        ctx.fillStyle = palette[si % palette.length];
        ctx.fillRect(lx, 6, 10, 10);
        ctx.fillStyle = '#444444';
        ctx.fillText(String(s.name).slice(0, 14), lx + 14, 12);
        lx += 80;
      });
      if (m.series.length > 8) {
        ctx.fillText('+' + (m.series.length - 8) + ' more', lx, 12);
      }
    }
    canvas.dataset.bars = String(bars);
    canvas.dataset.points = String(points);
    canvas.dataset.gaps = String(gaps);
    canvas.dataset.series = String(m.series.length);
    canvas.dataset.baseline = String(Math.round(zero));
  }

  // csvCell quotes a cell; text a spreadsheet would read as a date, number or boolean
  // (2021-11, 042513, 1E5, 2021年11月, TRUE) is written as ="…" so it stays text: the pattern
  // is export.SpreadsheetText, the one /export?bom=1 uses (internal/export checks they match).
  function csvCell(v) {
    if (v === null || v === undefined) {
      return '';
    }
    if (typeof v === 'number' || typeof v === 'boolean') {
      return String(v);
    }
    var s = String(v);
    if (/^(?:[+-]?[0-9][0-9 .,:/-]*(?:e[+-]?[0-9]+)? ?%?|\([0-9][0-9.,]*\)|[0-9]{1,4}年(?:[0-9]{1,2}月(?:[0-9]{1,2}日)?)?|[0-9]{1,2}月(?:[0-9]{1,2}日)?|[0-9]{1,2}[ /-](?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*(?:[ /-][0-9]{1,4})?|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[ /-][0-9]{1,4}|true|false)$/i.test(s)) {
      return '="' + s + '"';
    }
    if (/^[=+\-@]/.test(s)) {
      s = "'" + s;
    }
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function csv() {
    var t = current();
    if (!t) {
      return '';
    }
    var lines = [t.columns.map(csvCell).join(',')];
    t.rows.forEach(function (r) {
      lines.push(t.columns.map(function (c) { return csvCell(r[c]); }).join(','));
    });
    return '\uFEFF' + lines.join('\r\n') + '\r\n';
  }

  function current() {
    if (!state.data || state.lists.length === 0) {
      return null;
    }
    return table(state.data[state.lists[state.list]]);
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) {
      e.textContent = text;
    }
    return e;
  }

  function options(select, values, chosen) {
    select.replaceChildren();
    values.forEach(function (v, i) {
      var o = el('option', { value: String(i) }, v);
      if (v === chosen || i === chosen) {
        o.selected = true;
      }
      select.appendChild(o);
    });
  }

  function download(name, href) {
    var a = el('a', { href: href, download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  function build() {
    if (ui) {
      return ui;
    }
    ui = {};
    ui.toggle = el('button', { id: 'civiclink-chart-toggle', type: 'button', title: 'Chart the last answer' }, 'Chart');
    ui.panel = el('div', { id: 'civiclink-chart', hidden: '' });
    var bar = el('div', { class: 'civiclink-chart-bar' });
    ui.list = el('select', { id: 'civiclink-chart-list', 'aria-label': 'list' });
    ui.measure = el('select', { id: 'civiclink-chart-measure', 'aria-label': 'measure' });
    ui.type = el('select', { id: 'civiclink-chart-type', 'aria-label': 'chart type' });
    options(ui.type, ['bar', 'line'], 0);
    ui.csv = el('button', { id: 'civiclink-chart-csv', type: 'button' }, 'CSV');
    ui.png = el('button', { id: 'civiclink-chart-png', type: 'button' }, 'PNG');
    ui.close = el('button', { id: 'civiclink-chart-close', type: 'button', 'aria-label': 'close' }, '×');
    [ui.list, ui.measure, ui.type, ui.csv, ui.png, ui.close].forEach(function (c) { bar.appendChild(c); });
    ui.note = el('p', { id: 'civiclink-chart-note' }, 'Run a *Stats query, then chart its answer here.');
    ui.canvas = el('canvas', { id: 'civiclink-chart-canvas', width: String(W), height: String(H) });
    ui.panel.appendChild(bar);
    ui.panel.appendChild(ui.note);
    ui.panel.appendChild(ui.canvas);
    document.body.appendChild(ui.toggle);
    document.body.appendChild(ui.panel);
    ui.toggle.addEventListener('click', function () { ui.panel.hidden = !ui.panel.hidden; render(); });
    ui.close.addEventListener('click', function () { ui.panel.hidden = true; });
    ui.list.addEventListener('change', function () { state.list = Number(ui.list.value); state.measure = null; render(); });
    ui.measure.addEventListener('change', function () { state.measure = ui.measure.options[ui.measure.selectedIndex].text; render(); });
    ui.type.addEventListener('change', function () { state.type = ui.type.value === '1' ? 'line' : 'bar'; render(); });
    ui.csv.addEventListener('click', function () {
      var blob = new Blob([csv()], { type: 'text/csv;charset=utf-8' });
      var url = URL.createObjectURL(blob);
      download((state.lists[state.list] || 'answer') + '.csv', url);
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    });
    ui.png.addEventListener('click', function () { download((state.lists[state.list] || 'chart') + '.png', ui.canvas.toDataURL('image/png')); });
    return ui;
  }

  function render() {
    build();
    var t = current();
    if (!t || t.measures.length === 0) {
      ui.note.textContent = t ? 'This answer has no numeric figure to chart.' : 'Run a *Stats query, then chart its answer here.';
      ui.canvas.hidden = true;
      return;
    }
    options(ui.list, state.lists, state.list);
    if (!state.measure || t.measures.indexOf(state.measure) < 0) {
      state.measure = t.measures.indexOf('count') >= 0 ? 'count' : t.measures[0];
    }
    options(ui.measure, t.measures, state.measure);
    state.model = modelOf(t, state.measure);
    ui.note.textContent = state.lists[state.list] + ': ' + t.rows.length + ' cells';
    ui.canvas.hidden = false;
    draw(ui.canvas, state.model, state.type);
  }

  // update takes a GraphQL answer; answers without a list of cells (introspection …) are
  // ignored, so the last chartable answer stays.
  function update(result) {
    if (!result || typeof result !== 'object' || !result.data) {
      return;
    }
    var lists = listsOf(result.data);
    if (lists.length === 0) {
      return;
    }
    state.data = result.data;
    state.lists = lists;
    state.list = 0;
    if (ui || document.body) {
      render();
    }
  }

  // tap passes a fetcher's answer on unchanged, showing each result to update: a plain
  // result, or each payload of the async iterable that GraphiQL's multipart fetcher gives.
  function tap(r) {
    if (r && typeof r[Symbol.asyncIterator] === 'function') {
      var wrapped = {};
      wrapped[Symbol.asyncIterator] = function () {
        var it = r[Symbol.asyncIterator]();
        return {
          next: function () {
            return it.next().then(function (step) {
              if (!step.done) {
                update(step.value);
              }
              return step;
            });
          },
          return: function (v) {
            return it.return ? it.return(v) : Promise.resolve({ done: true, value: v });
          },
        };
      };
      return wrapped;
    }
    update(r);
    return r;
  }

  function wrapFetcher(fetcher) {
    return function (params, opts) {
      var r = fetcher(params, opts);
      return r && typeof r.then === 'function' ? r.then(tap) : tap(r);
    };
  }

  window.CivicLinkChart = {
    wrapFetcher: wrapFetcher,
    update: update,
    csv: csv,
    png: function () { build(); return ui.canvas.toDataURL('image/png'); },
    setMeasure: function (name) { state.measure = name; render(); },
    setType: function (type) { state.type = type; ui.type.value = type === 'line' ? '1' : '0'; render(); },
  };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', build);
  } else {
    build();
  }
})();
