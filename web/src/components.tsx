// Pieces the pages share: labelled fields, notices, pages, bars and charts.

import type { ComponentChildren, JSX } from "preact";
import { useId } from "preact/hooks";

import { segments } from "./explain";
import { t } from "./i18n";
import { followLink } from "./router";
import { LABELS, type Label, type WordWeight } from "./types";

type InputProps = JSX.InputHTMLAttributes<HTMLInputElement> & {
  label: string;
  hint?: string;
};

/** An input with its label and an optional hint, tied together for screen readers. */
export function Field({ label, hint, ...input }: InputProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;

  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} aria-describedby={hintId} {...input} />
      {hint && (
        <small id={hintId} class="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

export function Notice({ error, message }: { error?: string | null; message?: string | null }) {
  if (error) {
    return (
      <p class="notice notice-error" role="alert">
        {error}
      </p>
    );
  }
  if (message) {
    return (
      <p class="notice notice-ok" role="status">
        {message}
      </p>
    );
  }

  return null;
}

export function Link(props: JSX.HTMLAttributes<HTMLAnchorElement> & { href: string }) {
  return <a {...props} onClick={followLink} />;
}

export function Pager(props: {
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
}) {
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));

  return (
    <nav class="pager" aria-label={t("pager.label")}>
      <button
        type="button"
        disabled={props.page <= 1}
        onClick={() => props.onPage(props.page - 1)}
      >
        ← {t("pager.prev")}
      </button>
      <span aria-live="polite">
        {t("pager.status", { page: props.page, pages, total: props.total })}
      </span>
      <button
        type="button"
        disabled={props.page >= pages}
        onClick={() => props.onPage(props.page + 1)}
      >
        {t("pager.next")} →
      </button>
    </nav>
  );
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** One horizontal bar per label, longest for the likeliest. */
export function ScoreBars({ scores }: { scores: Record<Label, number> }) {
  return (
    <dl class="scores">
      {LABELS.map((label) => (
        <div class="score" key={label}>
          <dt>{t(`label.${label}`)}</dt>
          <dd>
            <span
              class="bar-track"
              role="meter"
              aria-label={t(`label.${label}`)}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(scores[label] * 100)}
            >
              <span class={`bar bar-${label}`} style={{ width: percent(scores[label]) }} />
            </span>
            <span class="bar-value" data-label={label}>
              {percent(scores[label])}
            </span>
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function ProgressBar(props: { label: string; value: number; max: number; text: string }) {
  const share = props.max > 0 ? Math.min(1, props.value / props.max) : 0;

  return (
    <div class="progress">
      <div class="progress-head">
        <span>{props.label}</span>
        <span>{props.text}</span>
      </div>
      <div
        class="progress-track"
        role="progressbar"
        aria-label={props.label}
        aria-valuemin={0}
        aria-valuemax={props.max}
        aria-valuenow={props.value}
      >
        <span class="progress-fill" style={{ width: percent(share) }} />
      </div>
    </div>
  );
}

const CHART_KEYS = [...LABELS, "empty"] as const;

/** The labels' row counts as an SVG bar chart, the numbers written out too. */
export function SummaryChart({ summary }: { summary: Record<Label | "empty", number> }) {
  const width = 320;
  const rowHeight = 34;
  const labelWidth = 110;
  const most = Math.max(1, ...CHART_KEYS.map((key) => summary[key] ?? 0));
  const title = CHART_KEYS.map((key) => `${t(`label.${key}`)}: ${summary[key] ?? 0}`).join(", ");

  return (
    <svg
      class="chart"
      viewBox={`0 0 ${width} ${rowHeight * CHART_KEYS.length}`}
      role="img"
      aria-label={title}
    >
      {CHART_KEYS.map((key, row) => {
        const count = summary[key] ?? 0;
        const barWidth = ((width - labelWidth - 50) * count) / most;
        const y = row * rowHeight;
        return (
          <g key={key} data-label={key}>
            <text x={0} y={y + 22} class="chart-label">
              {t(`label.${key}`)}
            </text>
            <rect
              x={labelWidth}
              y={y + 6}
              width={Math.max(barWidth, count ? 2 : 0)}
              height={22}
              rx={3}
              class={`chart-bar bar-${key}`}
            />
            <text x={labelWidth + barWidth + 6} y={y + 22} class="chart-value">
              {count}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** The analysed text again, each word tinted by how it swayed the verdict. */
export function Highlighted(props: { text: string; words: readonly WordWeight[]; label: Label }) {
  return (
    <p class="highlighted">
      {segments(props.text, props.words, props.label).map((part, index) =>
        part.tone ? (
          <mark
            key={index}
            class={`tone-${part.tone}`}
            style={{ "--strength": (0.2 + 0.7 * (part.strength ?? 0)).toFixed(2) }}
            title={part.weight?.toFixed(3)}
            data-weight={part.weight}
          >
            {part.text}
          </mark>
        ) : (
          part.text
        ),
      )}
    </p>
  );
}

export function Card(props: { title: string; children: ComponentChildren; class?: string }) {
  const id = useId();

  return (
    <section class={`card ${props.class ?? ""}`} aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </section>
  );
}
