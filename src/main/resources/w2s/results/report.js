// Renders the figures of a w2s report with ECharts. The page's data (one JSON element, id w2s-data) lists figures:
// {section, title, kind: "size" | "category" | "value", x: {name, min, max, interval, categories}, y: {name, min, max},
//  series: [{name, dashed, color, points: [{x, y, lo, hi, n, flagged, tip, unsized}]}]}.
// "size" figures put x on a log scale of parameters and draw points whose model has no size (unsized) in a panel of
// their own to the left, never at a made-up size. Points carry whiskers [lo, hi] and, where n is given, a label n=...
// When every chart is drawn, the element #w2s-status gets data-status="ok"; an error anywhere sets it to "error".
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

  // Whiskers [lo, hi] at each point, drawn by a custom series on the same axes.
  function whiskers(name, color, data, axisIndex) {
    return {
      type: 'custom', name: name, xAxisIndex: axisIndex, yAxisIndex: axisIndex, silent: true, z: 1,
      tooltip: {show: false}, legendHoverLink: false,
      data: data,
      encode: {x: 0, y: [1, 2]},
      renderItem: function (params, api) {
        var x = api.value(0), lo = api.value(1), hi = api.value(2);
        if (lo === null || hi === null || isNaN(lo) || isNaN(hi)) return null;
        var a = api.coord([x, lo]), b = api.coord([x, hi]);
        var w = 4;
        var style = {stroke: color, lineWidth: 1.3};
        return {type: 'group', children: [
          {type: 'line', shape: {x1: a[0], y1: a[1], x2: b[0], y2: b[1]}, style: style},
          {type: 'line', shape: {x1: a[0] - w, y1: a[1], x2: a[0] + w, y2: a[1]}, style: style},
          {type: 'line', shape: {x1: b[0] - w, y1: b[1], x2: b[0] + w, y2: b[1]}, style: style}]};
      }
    };
  }

  function pointItem(p, value) {
    var item = {value: value, tip: p.tip, n: p.n};
    if (p.flagged) {
      item.symbol = 'diamond';
      item.symbolSize = 12;
      item.itemStyle = {borderColor: '#d62728', borderWidth: 2.5};
    }
    return item;
  }

  function option(fig) {
    var size = fig.kind === 'size';
    var unsizedCats = [];
    if (size) {
      fig.series.forEach(function (s) {
        s.points.forEach(function (p) { if (p.unsized && unsizedCats.indexOf(p.x) < 0) unsizedCats.push(p.x); });
      });
    }
    var apart = unsizedCats.length > 0;
    var yAxis = {type: 'value', name: fig.y.name, nameLocation: 'middle', nameGap: 46, scale: true,
      min: fig.y.min, max: fig.y.max, axisLabel: {formatter: function (v) { return fmt(v); }},
      splitLine: {lineStyle: {color: '#eee'}}};
    var grids, xAxes, yAxes;
    var mainX;
    if (size) {
      // The decades around the sizes drawn, at least one on each side of a single size.
      var xs = [];
      fig.series.forEach(function (s) { s.points.forEach(function (p) { if (!p.unsized) xs.push(p.x); }); });
      var lo = xs.length ? Math.pow(10, Math.floor(Math.log10(Math.min.apply(null, xs) / 1.5))) : 1e6;
      var hi = xs.length ? Math.pow(10, Math.ceil(Math.log10(Math.max.apply(null, xs) * 1.5))) : 1e9;
      mainX = {type: 'log', logBase: 10, name: fig.x.name, nameLocation: 'middle', nameGap: 28,
        min: lo, max: hi, axisLabel: {formatter: function (v) { return humanSize(v); }, hideOverlap: true},
        splitLine: {lineStyle: {color: '#eee'}}};
    } else if (fig.kind === 'category') {
      mainX = {type: 'category', name: fig.x.name, nameLocation: 'middle', nameGap: 28, data: fig.x.categories,
        axisLabel: {interval: 0}};
    } else {
      mainX = {type: 'value', name: fig.x.name, nameLocation: 'middle', nameGap: 28, min: fig.x.min, max: fig.x.max,
        interval: fig.x.interval, scale: fig.x.min === undefined,
        axisLabel: {formatter: function (v) { return fig.x.decimals !== undefined ? v.toFixed(fig.x.decimals) : fmt(v); },
          hideOverlap: true}, splitLine: {lineStyle: {color: '#eee'}}};
    }
    if (apart) {
      grids = [{left: 70, width: 46 + 18 * unsizedCats.length, top: 40, bottom: 92},
               {left: 70 + 46 + 18 * unsizedCats.length + 26, right: 24, top: 40, bottom: 92}];
      xAxes = [{type: 'category', gridIndex: 0, data: unsizedCats, name: 'no size', nameLocation: 'middle',
        nameGap: 28, axisLabel: {interval: 0}}, Object.assign({gridIndex: 1}, mainX)];
      yAxes = [Object.assign({gridIndex: 0}, yAxis),
               Object.assign({gridIndex: 1}, yAxis, {name: '', axisLabel: {show: false}})];
    } else {
      grids = [{left: 70, right: 24, top: 40, bottom: 92}];
      xAxes = [Object.assign({gridIndex: 0}, mainX)];
      yAxes = [Object.assign({gridIndex: 0}, yAxis)];
    }
    var main = apart ? 1 : 0;
    var series = [];
    fig.series.forEach(function (s, i) {
      var color = s.color || PALETTE[i % PALETTE.length];
      var sized = s.points.filter(function (p) { return !p.unsized; });
      var unsized = s.points.filter(function (p) { return p.unsized; });
      var line = {
        type: fig.kind === 'category' ? 'scatter' : 'line', name: s.name, xAxisIndex: main, yAxisIndex: main,
        symbol: s.symbol || 'circle', symbolSize: s.symbolSize || 7, showSymbol: s.showSymbol !== false, z: 3,
        color: color,
        lineStyle: {type: s.dashed ? 'dashed' : 'solid', width: s.width || 1.8, color: color},
        itemStyle: {color: color},
        label: {show: s.labels !== false, position: 'right', fontSize: 9, color: '#555',
          formatter: function (p) { return p.data && p.data.n ? 'n=' + p.data.n : ''; }},
        data: sized.map(function (p) { return pointItem(p, [p.x, p.y]); })
      };
      series.push(line);
      var bars = sized.filter(function (p) { return p.lo !== null && p.lo !== undefined; })
        .map(function (p) { return [p.x, p.lo, p.hi]; });
      if (bars.length) series.push(whiskers(s.name, color, bars, main));
      if (unsized.length) {
        series.push({type: 'scatter', name: s.name, xAxisIndex: 0, yAxisIndex: 0, color: color, symbolSize: 8, z: 3,
          itemStyle: {color: color},
          label: {show: s.labels !== false, position: 'right', fontSize: 9, color: '#555',
            formatter: function (p) { return p.data && p.data.n ? 'n=' + p.data.n : ''; }},
          data: unsized.map(function (p) { return pointItem(p, [p.x, p.y]); })});
        var ub = unsized.filter(function (p) { return p.lo !== null && p.lo !== undefined; })
          .map(function (p) { return [p.x, p.lo, p.hi]; });
        if (ub.length) series.push(whiskers(s.name, color, ub, 0));
      }
    });
    return {
      animation: false,
      title: {text: fig.title, left: 'center', top: 6, textStyle: {fontSize: 13}},
      grid: grids, xAxis: xAxes, yAxis: yAxes,
      legend: {bottom: 4, type: 'scroll', textStyle: {fontSize: 11},
        data: fig.series.map(function (s) { return s.name; })
          .filter(function (name, i, all) { return all.indexOf(name) === i; })},
      tooltip: {trigger: 'item', confine: true, formatter: function (p) { return p.data && p.data.tip ? p.data.tip : p.seriesName; }},
      series: series
    };
  }

  var data = JSON.parse(document.getElementById('w2s-data').textContent);
  var drawn = 0;
  data.figures.forEach(function (fig, i) {
    try {
      var holder = document.getElementById('fig-' + fig.section);
      var div = document.createElement('div');
      div.className = 'chart';
      div.id = 'chart-' + i;
      div.style.width = (fig.width || 470) + 'px';
      div.style.height = (fig.height || 350) + 'px';
      holder.appendChild(div);
      var chart = echarts.init(div, null, {renderer: 'svg'});
      chart.setOption(option(fig));
      if (!div.querySelector('svg')) throw new Error('chart ' + fig.title + ' drew nothing');
      drawn++;
    } catch (e) {
      fail(fig.title + ': ' + (e && e.message ? e.message : e));
    }
  });
  if (!errors.length) {
    status.setAttribute('data-status', 'ok');
    status.textContent = 'drawn ' + drawn + ' of ' + data.figures.length + ' charts';
  }
  status.setAttribute('data-charts', String(drawn));
})();
