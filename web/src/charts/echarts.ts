/**
 * ECharts with only what the console draws: line, bar and pie charts on a canvas, with axes,
 * tooltips and legends (Chart gives each its accessible name). Imported lazily by Chart, so its
 * code is a chunk of its own that only pages drawing charts load.
 */
import { init, use as register } from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

register([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export { init };
