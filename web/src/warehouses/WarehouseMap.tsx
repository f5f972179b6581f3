/**
 * The warehouses on a world map: SVG, Natural Earth projection, the 1:110m atlas bundled with
 * this chunk (no tiles, no network). Each warehouse is a circle whose area follows its floor
 * area, and a link to its entry that the keyboard reaches. Loaded lazily: the list comes first.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'wouter';
import { geoGraticule10, geoNaturalEarth1, geoPath } from 'd3-geo';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { FeatureCollection } from 'geojson';
import world from 'world-atlas/countries-110m.json';
import { useT } from '../i18n/index.tsx';
import { useEntryLabels } from './labels.ts';
import { m } from './messages.ts';
import type { Warehouse } from './types.ts';
import './warehouses.css';

const topology = world as unknown as Topology<{ countries: GeometryCollection }>;
const countries = feature(topology, topology.objects.countries) as FeatureCollection;
const SPHERE = { type: 'Sphere' } as const;
const GRATICULE = geoGraticule10();
/** Height over width of the Natural Earth projection of the whole sphere, with a margin. */
const ASPECT = 0.52;

interface Tip {
  w: Warehouse;
  x: number;
  y: number;
}

export default function WarehouseMap({ items }: { items: Warehouse[] }) {
  const t = useT(m);
  const label = useEntryLabels();
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [tip, setTip] = useState<Tip | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    setWidth(Math.floor(el.clientWidth));
    const ro = new ResizeObserver((entries) => setWidth(Math.floor(entries[0].contentRect.width)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const height = Math.round(width * ASPECT);
  const { path, project } = useMemo(() => {
    const projection = geoNaturalEarth1().fitExtent(
      [
        [2, 2],
        [Math.max(width - 2, 3), Math.max(height - 2, 3)],
      ],
      SPHERE,
    );
    return { path: geoPath(projection), project: (w: Warehouse) => projection([w.longitude, w.latitude]) };
  }, [width, height]);
  const land = useMemo(() => countries.features.map((c, i) => ({ key: String(c.id ?? i), d: path(c) ?? '' })), [path]);

  // Circle area ∝ floor area (a square-root scale), never too small to click or see.
  const maxArea = Math.max(1, ...items.map((w) => w.areaM2));
  const rMax = Math.max(7, Math.min(18, width / 60));
  const dots = items
    .map((w) => ({ w, p: project(w), r: Math.max(3.5, rMax * Math.sqrt(w.areaM2 / maxArea)) }))
    .filter((d): d is { w: Warehouse; p: [number, number]; r: number } => !!d.p)
    // Big ones first, so a small warehouse next to a big one stays on top and clickable.
    .sort((a, b) => b.r - a.r);

  const show = (w: Warehouse, x: number, y: number) => setTip({ w, x, y });
  const hide = () => setTip(null);

  return (
    <div className="wh-map" ref={box}>
      {width > 0 ? (
        <svg data-testid="warehouse-map" role="group" aria-label={t('mapLabel')} viewBox={`0 0 ${width} ${height}`} width={width} height={height}>
          <g aria-hidden="true">
            <path className="ocean" d={path(SPHERE) ?? ''} />
            <path className="graticule" d={path(GRATICULE) ?? ''} />
            {land.map((c) => (
              <path key={c.key} className="land" d={c.d} />
            ))}
          </g>
          <g>
            {dots.map(({ w, p, r }) => {
              const label = t('dotLabel', { name: w.name, city: w.city });
              return (
                <Link key={w.id} href={`/${w.id}`} asChild>
                  <a aria-label={label} onMouseEnter={() => show(w, p[0], p[1] - r)} onMouseLeave={hide} onFocus={() => show(w, p[0], p[1] - r)} onBlur={hide}>
                    <title>{label}</title>
                    <circle data-testid="warehouse-dot" className={w.eligible9810 ? 'dot' : 'dot no9810'} cx={p[0]} cy={p[1]} r={r} />
                  </a>
                </Link>
              );
            })}
          </g>
        </svg>
      ) : null}
      {tip ? (
        <div className="wh-tip" role="presentation" style={{ left: tip.x, top: tip.y }}>
          <strong>{tip.w.name}</strong>
          <br />
          {label.place(tip.w)}
          <br />
          {label.area(tip.w)}
        </div>
      ) : null}
    </div>
  );
}
