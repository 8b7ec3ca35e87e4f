// Renders the figures of a w2s report with ECharts (SVG renderer). The page's data (one JSON element, id w2s-data)
// lists figures: {section, title, subtitle, kind, width, height, x: {name, min, max, interval, decimals, categories},
//  y: {name, min, max, bounds: [lo, hi], include: [values], lines: [values]},
//  models: [{name, params, ceiling}]   (kind "size" only: the strong models on x),
//  series: [{name, color, line (an ECharts line type) or dashed, showSymbol, symbolSize, width,
//            points: [{x | model (kind "size"), y, lo, hi, n, flagged, tip}]}]}.
// One function per kind of chart draws it (sizeChart, categoryChart, lineChart); the pieces they share come first.
// Rules every chart keeps: each axis has tick labels; an axis with bounds (accuracy, agreement: [0, 1]) never leaves
// them; an interval reaching past its axis is cut at the axis and ends in an arrow (its numbers are in the tooltip),
// never allowed to rescale the panel; legends wrap, never page; flagged points are hollow diamonds, visible on any
// colour. Under each chart, buttons save it as SVG or PNG.
// When every chart is drawn, #w2s-status gets data-status="ok" and data-checks, a JSON description of what each
// chart drew (axis labels, legend items, intervals) that the tests read; an error anywhere sets "error".
(function () {
  var status = document.getElementById('w2s-status');
  var errors = [];
  function fail(message) {
    errors.push(String(message));
    status.setAttribute('data-status', 'error');
    status.textContent = 'error: ' + errors.join('; ');
  }
  window.addEventListener('error', function (e) { fail(e.message || e); });
  var consoleError = console.error;
  console.error = function () {
    fail(Array.prototype.join.call(arguments, ' '));
    consoleError.apply(console, arguments);
  };

  var PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f',
    '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#3182bd', '#e6550d', '#31a354', '#756bb1'];
  var FONT = 'sans-serif';

  // ---- shared pieces ----

  function fmt(v) {
    if (v === null || v === undefined || isNaN(v)) return 'n/a';
    return Math.abs(v) >= 1e5 ? humanSize(v) : (Math.round(v * 1000) / 1000).toString();
  }
  function humanSize(n) {
    if (n >= 1e9) return (n / 1e9).toFixed(n >= 1e10 ? 0 : 1) + 'B';
    if (n >= 1e6) return (n / 1e6).toFixed(n >= 1e7 ? 0 : 1) + 'M';
    if (n >= 1e3) return (n / 1e3).toFixed(0) + 'k';
    return String(n);
  }
  function has(v) {
    return v !== null && v !== undefined && !isNaN(v);
  }
  // Approximate width in pixels of a text at 11px, enough to lay labels and legends out without measuring.
  function textWidth(s, size) {
    return String(s).length * (size || 11) * 0.58;
  }

  // The y range of a panel: its points (and any values it must include) with some room, widened for the intervals
  // only up to one span of the points beyond them, so one wide interval is cut with an arrow instead of squeezing
  // every point; within the axis's bounds; rounded to a tick step.
  function valueRange(axis, points) {
    if (has(axis.min) && has(axis.max)) return {min: axis.min, max: axis.max, interval: axis.interval};
    var ys = points.map(function (p) { return p.y; }).filter(has).concat(axis.include || []);
    if (!ys.length) ys = axis.bounds ? axis.bounds.slice() : [0, 1];
    var lo = Math.min.apply(null, ys), hi = Math.max.apply(null, ys);
    var span = Math.max(hi - lo, 0.05);
    var a = lo, b = hi;
    points.forEach(function (p) {
      if (has(p.lo)) a = Math.min(a, Math.max(p.lo, lo - span));
      if (has(p.hi)) b = Math.max(b, Math.min(p.hi, hi + span));
    });
    var pad = 0.04 * (b - a);
    a -= pad;
    b += pad;
    if (axis.bounds) {
      a = Math.max(a, axis.bounds[0]);
      b = Math.min(b, axis.bounds[1]);
    }
    var step = niceStep((b - a) / 5);
    var min = Math.floor(a / step + 1e-9) * step, max = Math.ceil(b / step - 1e-9) * step;
    if (axis.bounds) {
      min = Math.max(min, axis.bounds[0]);
      max = Math.min(max, axis.bounds[1]);
    }
    return {min: round(min), max: round(max), interval: step};
  }
  function niceStep(raw) {
    var p = Math.pow(10, Math.floor(Math.log10(raw)));
    var f = raw / p;
    return round((f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p);
  }
  function round(v) {
    return Math.round(v * 1e9) / 1e9;
  }

  function valueAxis(name, range, extra) {
    return Object.assign({type: 'value', name: name, nameLocation: 'middle', nameGap: 44, min: range.min,
      max: range.max, interval: range.interval, axisLabel: {formatter: function (v) { return fmt(v); }},
      axisLine: {onZero: false},
      splitLine: {lineStyle: {color: '#eee'}}}, extra || {});
  }

  // Whiskers [lo, hi] at each point, drawn by a custom series on the same axes. A whisker reaching past the y axis is
  // cut at its end and drawn with an arrow there; every whisker drawn is recorded for the page's checks.
  function whiskers(name, color, data, drawn) {
    return {
      type: 'custom', name: name, silent: true, z: 1, clip: false, tooltip: {show: false}, legendHoverLink: false,
      data: data, encode: {x: 0, y: [1, 2]},
      renderItem: function (params, api) {
        var x = api.value(0), lo = api.value(1), hi = api.value(2);
        if (!has(lo) || !has(hi)) return null;
        var rect = params.coordSys;
        var top = rect.y, bottom = rect.y + rect.height;
        var a = api.coord([x, lo]), b = api.coord([x, hi]);
        var yLo = Math.min(a[1], bottom), yHi = Math.max(b[1], top);
        var cutLo = a[1] > bottom + 0.5, cutHi = b[1] < top - 0.5;
        drawn.push({top: top, bottom: bottom, y1: yHi, y2: yLo, cut: cutLo || cutHi});
        var w = 4, px = a[0];
        var style = {stroke: color, lineWidth: 1.3};
        var parts = [{type: 'line', shape: {x1: px, y1: yLo, x2: px, y2: yHi}, style: style}];
        parts.push(cutLo ? arrow(px, yLo, 1, color) : {type: 'line', shape: {x1: px - w, y1: yLo, x2: px + w, y2: yLo},
          style: style});
        parts.push(cutHi ? arrow(px, yHi, -1, color) : {type: 'line', shape: {x1: px - w, y1: yHi, x2: px + w, y2: yHi},
          style: style});
        return {type: 'group', children: parts};
      }
    };
  }
  function arrow(x, y, down, color) {
    return {type: 'polygon', shape: {points: [[x - 4, y - 7 * down], [x + 4, y - 7 * down], [x, y]]},
      style: {fill: color}};
  }

  // A point's data item: its tooltip, its n (labelled where it differs from the panel's usual n) and, when it
  // includes flagged runs, a hollow diamond in the series' colour (visible on every colour, black included).
  function pointItem(p, value, color, usualN) {
    var item = {value: value, tip: p.tip, n: p.n, showN: has(p.n) && usualN !== undefined && p.n !== usualN};
    if (p.flagged) {
      item.symbol = 'diamond';
      item.symbolSize = 14;
      item.itemStyle = {color: '#ffffff', borderColor: color, borderWidth: 2.5, opacity: 1};
    }
    return item;
  }
  var nLabel = {show: true, position: 'right', distance: 4, fontSize: 9, color: '#555',
    formatter: function (p) { return p.data && p.data.showN ? 'n=' + p.data.n : ''; }};

  // Moves each n label of a chart down until it overlaps no label placed before it, across all its series (ECharts'
  // moveOverlap works within one series only). One placer per chart.
  function labelPlacer() {
    var placed = [];
    return function (params) {
      var r = params.labelRect;
      if (!r || !r.width || !r.height) return {};
      var dy = 0;
      var hits = function (p) {
        return r.x < p.x + p.width && p.x < r.x + r.width && r.y + dy < p.y + p.height && p.y < r.y + dy + r.height;
      };
      for (var tries = 0; tries < 30 && placed.some(hits); tries++) dy += r.height / 2;
      placed.push({x: r.x, y: r.y + dy, width: r.width, height: r.height});
      return {dy: dy};
    };
  }

  // The n most points of a panel have, which the subtitle states once instead of labelling every point.
  function usualN(series) {
    var counts = {};
    series.forEach(function (s) {
      s.points.forEach(function (p) { if (has(p.n)) counts[p.n] = (counts[p.n] || 0) + 1; });
    });
    var best;
    Object.keys(counts).forEach(function (n) { if (best === undefined || counts[n] > counts[best]) best = n; });
    return best === undefined ? undefined : Number(best);
  }

  // A legend that wraps onto as many rows as its names need (never pages, so no series is hidden), and its height.
  function legend(names, width) {
    var rows = 1, used = 0, avail = width - 20;
    names.forEach(function (name) {
      var w = 45 + textWidth(name) + 12;
      if (used > 0 && used + w > avail) {
        rows++;
        used = 0;
      }
      used += w;
    });
    // Wide icons, so a dashed line reads as dashed beside the point's symbol.
    return {height: rows * 20 + 6, option: {type: 'plain', left: 10, right: 10, bottom: 4, itemGap: 12,
      itemWidth: 40, itemHeight: 10, textStyle: {fontSize: 11}, data: names}};
  }
  function names(series) {
    return series.map(function (s) { return s.name; })
      .filter(function (name, i, all) { return all.indexOf(name) === i; });
  }

  function lineType(s) {
    return s.line !== undefined ? s.line : s.dashed ? 'dashed' : 'solid';
  }

  function title(fig, extra) {
    var sub = [fig.subtitle, extra].filter(Boolean).join('\n');
    return {text: fig.title, subtext: sub, left: 'center', top: 4, itemGap: 4,
      textStyle: {fontSize: 13}, subtextStyle: {fontSize: 10, color: '#555', lineHeight: 13}};
  }
  function titleHeight(fig, extra) {
    return 30 + 13 * [fig.subtitle, extra].filter(Boolean).length;
  }

  function tooltip() {
    return {trigger: 'item', confine: true,
      formatter: function (p) { return p.data && p.data.tip ? p.data.tip : p.seriesName; }};
  }

  // ---- the charts: each returns {option, height (extra pixels it needs below the figure's own), ticks} ----

  // Strong models on x: sized ones at log10(parameters), models of equal size set a little apart; models without a
  // size on slots of their own left of a separator; one y axis for all. Tick labels (name, size, ceiling accuracy)
  // are drawn by the chart itself at each model, in rows so none collides.
  function sizeChart(fig, width) {
    var models = fig.models.slice();
    var unsized = models.filter(function (m) { return !has(m.params); });
    var sized = models.filter(function (m) { return has(m.params); })
      .sort(function (a, b) { return a.params - b.params || (a.name < b.name ? -1 : 1); });
    var pos = {};
    var xmin, xmax, separator = null;
    if (sized.length) {
      var lo = Math.log10(sized[0].params), hi = Math.log10(sized[sized.length - 1].params);
      var core = Math.max(hi - lo, 0.5);
      xmin = lo - 0.15 * core;
      xmax = hi + 0.15 * core;
      var sep = 0.07 * (xmax - xmin);
      var i = 0;
      while (i < sized.length) {
        var j = i;
        while (j + 1 < sized.length && sized[j + 1].params === sized[i].params) j++;
        for (var k = i; k <= j; k++) pos[sized[k].name] = Math.log10(sized[k].params) + (k - i - (j - i) / 2) * sep;
        i = j + 1;
      }
      xmin = Math.min(xmin, pos[sized[0].name] - sep);
      xmax = Math.max(xmax, pos[sized[sized.length - 1].name] + sep);
      if (unsized.length) {
        var slot = 0.14 * (xmax - xmin), gap = 0.08 * (xmax - xmin);
        separator = xmin - gap / 2;
        var start = xmin - gap - slot * unsized.length;
        unsized.forEach(function (m, u) { pos[m.name] = start + (u + 0.5) * slot; });
        xmin = start;
      }
    } else {
      unsized.forEach(function (m, u) { pos[m.name] = u; });
      xmin = -0.5;
      xmax = unsized.length - 0.5;
    }
    var span = xmax - xmin;
    var ordered = unsized.concat(sized);
    var ticks = ordered.map(function (m) {
      var lines = [m.name, (has(m.params) ? humanSize(m.params) : 'no size')
        + (has(m.ceiling) ? ' · ' + fmt(m.ceiling) : '')];
      return {x: pos[m.name], lines: lines, text: lines.join('\n'),
        width: Math.max(textWidth(lines[0]), textWidth(lines[1])) + 6};
    });

    var points = [];
    fig.series.forEach(function (s) { points = points.concat(s.points); });
    var range = valueRange(fig.y, points);
    var n = usualN(fig.series);
    var nNote = n === undefined ? '' : 'n = ' + n + ' per point unless labelled';
    var top = titleHeight(fig, nNote) + 8;
    var left = 62, right = 18;
    var plotWidth = width - left - right;
    var px = function (x) { return left + (x - xmin) / span * plotWidth; };
    // Rows of tick labels: each goes on the first row where it clears its left neighbour (a leader line joins a
    // label below the first row to its tick, passing behind the labels above).
    var rowEnds = [];
    ticks.forEach(function (t) {
      var c = Math.max(t.width / 2 + 2, Math.min(width - t.width / 2 - 2, px(t.x)));
      var r = 0;
      while (r < rowEnds.length && c - t.width / 2 < rowEnds[r] + 6) r++;
      rowEnds[r] = c + t.width / 2;
      t.row = r;
      t.dx = c - px(t.x);
    });
    var labelSpace = 8 + 28 * Math.max(1, rowEnds.length);
    var lg = legend(names(fig.series), width);
    var bottom = lg.height + labelSpace + 24;

    var dodge = 0.011 * span;
    var placeLabel = labelPlacer();
    var series = [];
    var drawn = [];
    fig.series.forEach(function (s, i) {
      var color = s.color || PALETTE[i % PALETTE.length];
      var offset = (i - (fig.series.length - 1) / 2) * dodge;
      var at = function (p) { return pos[p.model] + offset; };
      var byX = s.points.slice().sort(function (a, b) { return at(a) - at(b); });
      var part = function (ps, type) {
        return {type: type, name: s.name, symbol: 'circle', symbolSize: 7, z: 3, color: color,
          lineStyle: {type: lineType(s), width: 1.8, color: color}, itemStyle: {color: color}, label: nLabel,
          labelLayout: placeLabel,
          data: ps.map(function (p) { return pointItem(p, [at(p), p.y], color, n); })};
      };
      // A line never crosses from the slots of models without a size into the log scale.
      var inScale = byX.filter(function (p) { return has(models.filter(function (m) { return m.name === p.model; })[0].params); });
      var apart = byX.filter(function (p) { return inScale.indexOf(p) < 0; });
      if (inScale.length) series.push(part(inScale, 'line'));
      if (apart.length) series.push(part(apart, 'scatter'));
      var bars = byX.filter(function (p) { return has(p.lo) && has(p.hi); })
        .map(function (p) { return [at(p), p.lo, p.hi]; });
      if (bars.length) series.push(whiskers(s.name, color, bars, drawn));
    });
    series.push(axisDecor(ticks, separator, xmin, xmax, sized.length > 0, px));
    if (fig.y.lines) series.push(referenceLines(fig.y.lines));
    return {
      height: lg.height + labelSpace,
      drawn: drawn,
      ticks: ticks.map(function (t) { return t.lines; }),
      option: {
        animation: false, backgroundColor: '#ffffff', title: title(fig, nNote),
        grid: {left: left, right: right, top: top, bottom: bottom},
        xAxis: {type: 'value', min: xmin, max: xmax, name: fig.x.name, nameLocation: 'middle',
          nameGap: labelSpace + 6, axisLabel: {show: false}, axisTick: {show: false}, splitLine: {show: false},
          axisLine: {onZero: false}},
        yAxis: valueAxis(fig.y.name, range),
        legend: lg.option, tooltip: tooltip(), series: series
      }
    };
  }

  // The size axis's marks, drawn in pixels: a tick and a two-line label (rows set apart by sizeChart) per model,
  // faint lines at each power of ten with its size, and a dashed separator before the models without a size.
  function axisDecor(ticks, separator, xmin, xmax, logScale, px) {
    var decades = [];
    if (logScale) for (var d = Math.ceil(xmin); d <= xmax; d++) decades.push(d);
    return {
      type: 'custom', name: '', silent: true, clip: false, z: 0, tooltip: {show: false},
      data: [[xmin]], encode: {x: 0},
      renderItem: function (params, api) {
        var rect = params.coordSys;
        var bottom = rect.y + rect.height;
        var children = [];
        decades.forEach(function (d) {
          var x = px(d);
          children.push({type: 'line', shape: {x1: x, y1: rect.y, x2: x, y2: bottom}, style: {stroke: '#e4e4e4'}});
          children.push({type: 'text', x: x + 3, y: rect.y + 3, style: {text: humanSize(Math.pow(10, d)),
            fill: '#999', fontSize: 9, fontFamily: FONT, align: 'left', verticalAlign: 'top'}});
        });
        if (separator !== null) {
          var sx = px(separator);
          children.push({type: 'line', shape: {x1: sx, y1: rect.y, x2: sx, y2: bottom + 4},
            style: {stroke: '#999', lineDash: [4, 3]}});
        }
        ticks.forEach(function (t) {
          var x = px(t.x), y = bottom + 6 + 28 * t.row;
          children.push({type: 'line', shape: {x1: x, y1: bottom, x2: x, y2: bottom + 5}, style: {stroke: '#333'}});
          if (t.row > 0 || Math.abs(t.dx) > 1) {
            children.push({type: 'line', shape: {x1: x, y1: bottom + 5, x2: x + t.dx, y2: y - 1},
              style: {stroke: '#bbb'}});
          }
          children.push({type: 'text', x: x + t.dx, y: y, z2: 1, style: {text: t.text, fill: '#333', fontSize: 11,
            fontFamily: FONT, align: 'center', verticalAlign: 'top', lineHeight: 13, backgroundColor: '#ffffff'}});
        });
        return {type: 'group', children: children};
      }
    };
  }

  // Horizontal grey lines at given y values (PGR: 0 is the weak supervisor, 1 the ceiling).
  function referenceLines(values) {
    return {type: 'line', name: '', data: [], silent: true,
      markLine: {silent: true, symbol: 'none', lineStyle: {color: '#888', type: 'solid', width: 1},
        label: {show: true, position: 'insideEndTop', fontSize: 9, color: '#777',
          formatter: function (p) { return p.value === 0 ? '0 = weak' : p.value === 1 ? '1 = ceiling' : fmt(p.value); }},
        data: values.map(function (v) { return {yAxis: v}; })}};
  }

  // Categories on x (agreement: the losses), series at one category set apart.
  function categoryChart(fig, width) {
    var cats = fig.x.categories;
    var points = [];
    fig.series.forEach(function (s) { points = points.concat(s.points); });
    var range = valueRange(fig.y, points);
    var n = usualN(fig.series);
    var nNote = n === undefined ? '' : 'n = ' + n + ' per point unless labelled';
    var lg = legend(names(fig.series), width);
    var series = [], drawn = [];
    var placeLabel = labelPlacer();
    fig.series.forEach(function (s, i) {
      var color = s.color || PALETTE[i % PALETTE.length];
      var offset = (i - (fig.series.length - 1) / 2) * 0.14;
      var at = function (p) { return cats.indexOf(p.x) + offset; };
      series.push({type: 'scatter', name: s.name, symbolSize: 9, z: 3, color: color, itemStyle: {color: color},
        label: nLabel, labelLayout: placeLabel,
        data: s.points.map(function (p) { return pointItem(p, [at(p), p.y], color, n); })});
      var bars = s.points.filter(function (p) { return has(p.lo) && has(p.hi); })
        .map(function (p) { return [at(p), p.lo, p.hi]; });
      if (bars.length) series.push(whiskers(s.name, color, bars, drawn));
    });
    return {
      height: lg.height,
      drawn: drawn,
      option: {
        animation: false, backgroundColor: '#ffffff', title: title(fig, nNote),
        grid: {left: 66, right: 24, top: titleHeight(fig, nNote) + 8, bottom: lg.height + 46},
        xAxis: {type: 'value', name: fig.x.name, nameLocation: 'middle', nameGap: 26, min: -0.5,
          max: cats.length - 0.5, interval: 0.5, splitLine: {show: false}, axisTick: {show: false},
          axisLine: {onZero: false},
          axisLabel: {formatter: function (v) { return Math.abs(v - Math.round(v)) < 1e-6 ? cats[Math.round(v)] || '' : ''; }}},
        yAxis: valueAxis(fig.y.name, range),
        legend: lg.option, tooltip: tooltip(), series: series
      }
    };
  }

  // Numbers on both axes: training curves (x: optimiser step) and reliability diagrams (x: confidence).
  function lineChart(fig, width) {
    var points = [];
    fig.series.forEach(function (s) { points = points.concat(s.points); });
    var range = valueRange(fig.y, points);
    var lg = legend(names(fig.series), width);
    var series = [], drawn = [];
    fig.series.forEach(function (s, i) {
      var color = s.color || PALETTE[i % PALETTE.length];
      series.push({type: 'line', name: s.name, symbol: 'circle', symbolSize: s.symbolSize || 6,
        showSymbol: s.showSymbol !== false, z: 3, color: color,
        lineStyle: {type: lineType(s), width: s.width || 1.8, color: color}, itemStyle: {color: color},
        data: s.points.map(function (p) { return pointItem(p, [p.x, p.y], color, undefined); })});
      var bars = s.points.filter(function (p) { return has(p.lo) && has(p.hi); })
        .map(function (p) { return [p.x, p.lo, p.hi]; });
      if (bars.length) series.push(whiskers(s.name, color, bars, drawn));
    });
    return {
      height: lg.height,
      drawn: drawn,
      option: {
        animation: false, backgroundColor: '#ffffff', title: title(fig),
        grid: {left: 66, right: 24, top: titleHeight(fig) + 8, bottom: lg.height + 46},
        xAxis: {type: 'value', name: fig.x.name, nameLocation: 'middle', nameGap: 26, min: fig.x.min,
          max: fig.x.max, interval: fig.x.interval, scale: fig.x.min === undefined,
          axisLabel: {hideOverlap: true, formatter: function (v) {
            return fig.x.decimals !== undefined ? v.toFixed(fig.x.decimals) : fmt(v); }},
          splitLine: {lineStyle: {color: '#eee'}}, axisLine: {onZero: false}},
        yAxis: valueAxis(fig.y.name, range),
        legend: lg.option, tooltip: tooltip(), series: series
      }
    };
  }

  var CHARTS = {size: sizeChart, category: categoryChart, value: lineChart};

  // ---- saving, checks, drawing ----

  function svgOf(div) {
    var svg = div.querySelector('svg');
    var text = new XMLSerializer().serializeToString(svg);
    return text.indexOf('xmlns=') < 0 ? text.replace('<svg', '<svg xmlns="http://www.w3.org/2000/svg"') : text;
  }
  // The chart as a PNG at twice its size, drawn from its SVG (no network, no canvas renderer needed).
  function pngOf(div, done) {
    var svg = div.querySelector('svg');
    var w = svg.width.baseVal.value || div.clientWidth, h = svg.height.baseVal.value || div.clientHeight;
    var img = new Image();
    img.onload = function () {
      var canvas = document.createElement('canvas');
      canvas.width = 2 * w;
      canvas.height = 2 * h;
      var g = canvas.getContext('2d');
      g.fillStyle = '#ffffff';
      g.fillRect(0, 0, canvas.width, canvas.height);
      g.drawImage(img, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(done, 'image/png');
    };
    img.onerror = function () { fail('PNG export failed for ' + div.id); };
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svgOf(div));
  }
  function download(blob, file) {
    var a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = file;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  function saveButtons(box, div, fig) {
    var file = (fig.section + '-' + fig.title).replace(/[^A-Za-z0-9._-]+/g, '_');
    var bar = document.createElement('div');
    bar.className = 'save';
    [['SVG', function () { download(new Blob([svgOf(div)], {type: 'image/svg+xml'}), file + '.svg'); }],
      ['PNG', function () { pngOf(div, function (blob) { download(blob, file + '.png'); }); }]]
      .forEach(function (b) {
        var button = document.createElement('button');
        button.textContent = 'save ' + b[0];
        button.title = 'save this chart as ' + b[0];
        button.addEventListener('click', b[1]);
        bar.appendChild(button);
      });
    box.appendChild(bar);
  }

  // What a chart drew, for the tests: each axis's labels and range, the legend names drawn inside the chart, the
  // model ticks, and the intervals (none may leave its axis; those cut are counted).
  function describe(chart, fig, div, drawing) {
    var model = chart.getModel();
    var axes = [];
    ['xAxis', 'yAxis'].forEach(function (dim) {
      model.eachComponent(dim, function (c) {
        var shown = c.get(['axisLabel', 'show']) !== false;
        var labels = shown ? c.axis.getViewLabels().map(function (l) { return l.formattedLabel; }).filter(Boolean) : [];
        var extent = c.axis.scale.getExtent();
        axes.push({dim: dim, labels: labels, min: extent[0], max: extent[1]});
      });
    });
    var box = div.getBoundingClientRect();
    var texts = Array.prototype.map.call(div.querySelectorAll('svg text'), function (t) {
      var r = t.getBoundingClientRect();
      return {text: t.textContent, inside: r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1
        && r.bottom <= box.bottom + 1};
    });
    var legendNames = names(fig.series);
    var visible = function (s) { return texts.some(function (t) { return t.inside && t.text === s; }); };
    return {
      title: fig.title, kind: fig.kind, axes: axes,
      ticks: (drawing.ticks || []).map(function (lines) { return lines.every(visible) ? lines.join(' ') : ''; }),
      legend: {series: legendNames.length, drawn: legendNames.filter(visible).length},
      intervals: {
        drawn: drawing.drawn.length,
        cut: drawing.drawn.filter(function (w) { return w.cut; }).length,
        outside: drawing.drawn.filter(function (w) {
          return Math.min(w.y1, w.y2) < w.top - 0.5 || Math.max(w.y1, w.y2) > w.bottom + 0.5; }).length
      }
    };
  }

  var data = JSON.parse(document.getElementById('w2s-data').textContent);
  var checks = [];
  var divs = [];
  data.figures.forEach(function (fig, i) {
    try {
      var holder = document.getElementById('fig-' + fig.section);
      var width = fig.width || 470;
      var drawing = CHARTS[fig.kind](fig, width);
      var box = document.createElement('div');
      box.className = 'figure';
      var div = document.createElement('div');
      div.className = 'chart';
      div.id = 'chart-' + i;
      div.style.width = width + 'px';
      div.style.height = ((fig.height || 350) + drawing.height) + 'px';
      box.appendChild(div);
      holder.appendChild(box);
      var chart = echarts.init(div, null, {renderer: 'svg'});
      chart.setOption(drawing.option);
      if (!div.querySelector('svg')) throw new Error('chart ' + fig.title + ' drew nothing');
      saveButtons(box, div, fig);
      checks.push(describe(chart, fig, div, drawing));
      divs.push(div);
    } catch (e) {
      fail(fig.title + ': ' + (e && e.message ? e.message : e));
    }
  });
  status.setAttribute('data-checks', JSON.stringify(checks));
  if (!errors.length) {
    status.setAttribute('data-status', 'ok');
    status.textContent = 'drawn ' + divs.length + ' of ' + data.figures.length + ' charts';
  }
  status.setAttribute('data-charts', String(divs.length));
  // For the tests (page opened with #export-check): each chart's PNG export, sizes in data-png.
  if (location.hash === '#export-check') {
    var sizes = [];
    divs.forEach(function (div, i) {
      pngOf(div, function (blob) {
        sizes[i] = blob ? blob.size : 0;
        if (sizes.filter(function (s) { return s !== undefined; }).length === divs.length) {
          status.setAttribute('data-png', sizes.join(','));
        }
      });
    });
  }
})();
