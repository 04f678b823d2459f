// A small accessible SVG line chart, rendered on the server (no client script): a title and a description for
// screen readers, labelled axes, a legend, and the same numbers in a data table below.
import type { ReactNode } from "react";
import { dayText, shortDayText } from "../format";

export interface ChartSeries {
  name: string;
  values: Array<number | null>;
  /** Exact text per value for the data table and tooltips, when a float `value` is only good for plotting. */
  labels?: string[];
}

const WIDTH = 420;
const HEIGHT = 220;
const PAD = { top: 12, right: 24, bottom: 30, left: 78 };
const COLORS = ["#2450c7", "#c2410c", "#1d7a3a", "#7c3aed", "#b3261e", "#0e7490"];
const DASHES = ["", "6 3", "2 3", "8 3 2 3", "4 4", "1 2"];

export function LineChart({
  id,
  title,
  description,
  days,
  series,
  format,
  max,
  integer = false,
}: {
  id: string;
  title: string;
  description: string;
  /** "YYYY-MM-DD", oldest first. */
  days: string[];
  series: ChartSeries[];
  format: (value: number) => string;
  /** The top of the value axis; the largest value when absent. */
  max?: number;
  /** Whole numbers (a count): the axis ticks are whole numbers too. */
  integer?: boolean;
}) {
  const largest = Math.max(
    0,
    ...series.flatMap((line) => line.values.filter((v): v is number => v !== null)),
  );
  // Counts get whole-number ticks: the top is a multiple of the four intervals (a quiet day's scale read
  // "0, 0.3, 0.5, 0.8, 1" payments).
  const top = max ?? (integer ? Math.max(4, Math.ceil(largest / 4) * 4) : largest > 0 ? largest : 1);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (index: number) => PAD.left + (days.length <= 1 ? 0 : (index * plotWidth) / (days.length - 1));
  const y = (value: number) => PAD.top + plotHeight - (value / top) * plotHeight;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((share) => share * top);
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;
  return (
    <figure className="card chart" data-testid={`chart-${id}`}>
      <figcaption>
        <h2 id={titleId}>{title}</h2>
      </figcaption>
      {series.length === 0 ? (
        <p className="muted">No data in these 14 days.</p>
      ) : (
        <>
          <svg
            viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
            role="img"
            aria-labelledby={`${titleId} ${descId}`}
            width="100%"
            preserveAspectRatio="xMidYMid meet"
          >
            <title>{title}</title>
            <desc id={descId}>{description}</desc>
            {ticks.map((tick) => (
              <g key={tick}>
                <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} stroke="#e3e6ec" />
                <text x={PAD.left - 6} y={y(tick) + 4} textAnchor="end" fontSize="12" fill="#5b6270">
                  {format(tick)}
                </text>
              </g>
            ))}
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(0)} y2={y(0)} stroke="#5b6270" strokeWidth="1" />
            {days.map((day, index) =>
              index % 2 === (days.length - 1) % 2 ? (
                <text
                  key={day}
                  x={x(index)}
                  y={HEIGHT - PAD.bottom + 18}
                  textAnchor="middle"
                  fontSize="12"
                  fill="#5b6270"
                >
                  {shortDayText(day)}
                </text>
              ) : null,
            )}
            {series.map((line, lineIndex) => {
              const color = COLORS[lineIndex % COLORS.length];
              const segments: string[] = [];
              let current = "";
              line.values.forEach((value, index) => {
                if (value === null) {
                  if (current) segments.push(current);
                  current = "";
                  return;
                }
                current += `${current ? " L" : "M"} ${x(index).toFixed(1)} ${y(value).toFixed(1)}`;
              });
              if (current) segments.push(current);
              return (
                <g key={line.name}>
                  {segments.map((path) => (
                    <path
                      key={path}
                      d={path}
                      fill="none"
                      stroke={color}
                      strokeWidth="2"
                      strokeDasharray={DASHES[lineIndex % DASHES.length]}
                    />
                  ))}
                  {line.values.map((value, index) =>
                    value === null ? null : (
                      // biome-ignore lint/suspicious/noArrayIndexKey: one point per day, in day order.
                      <circle key={index} cx={x(index)} cy={y(value)} r="3" fill={color}>
                        <title>{`${line.name}, ${dayText(days[index] ?? "")}: ${line.labels?.[index] ?? format(value)}`}</title>
                      </circle>
                    ),
                  )}
                </g>
              );
            })}
          </svg>
          <ul className="legend">
            {series.map((line, lineIndex) => (
              <li key={line.name}>
                <svg width="24" height="10" aria-hidden="true">
                  <line
                    x1="0"
                    x2="24"
                    y1="5"
                    y2="5"
                    stroke={COLORS[lineIndex % COLORS.length]}
                    strokeWidth="2"
                    strokeDasharray={DASHES[lineIndex % DASHES.length]}
                  />
                </svg>
                {line.name}
              </li>
            ))}
          </ul>
          <details>
            <summary>Data table</summary>
            <DataTable days={days} series={series} format={format} />
          </details>
        </>
      )}
    </figure>
  );
}

function DataTable({
  days,
  series,
  format,
}: {
  days: string[];
  series: ChartSeries[];
  format: (value: number) => string;
}): ReactNode {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Day</th>
          {series.map((line) => (
            <th scope="col" key={line.name} className="amount">
              {line.name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {days.map((day, index) => (
          <tr key={day}>
            <th scope="row">{dayText(day)}</th>
            {series.map((line) => {
              const value = line.values[index];
              return (
                <td key={line.name} className="amount">
                  {value === null || value === undefined ? "—" : (line.labels?.[index] ?? format(value))}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
